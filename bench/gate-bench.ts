// CPU per point select of a `vt gate` process (text COM_QUERY and prepared statements).
//
// Starts one mariadbd and one `vt tablet` child process (elected primary of bench/0), loads sbtest1 (10k rows),
// starts `vt gate` as a child process (bin/dev.js, no auth) over the same local topology, then drives
// `select c from sbtest1 where id = N` through mysql2 connections to the gate at concurrency 1 and 8, as text
// (query) and as prepared statements (execute, one prepare per connection). The gate's and the tablet's CPU come
// from /proc/<pid>/stat (utime+stime), so the client's CPU is not in them. Each figure is the median of --runs
// runs. The machine is shared: quote CPU per query, not wall time (QPS is printed for orientation only). Read
// and write system calls per query of the gate (from /proc/<pid>/io) show how well socket I/O is batched.
//
// Run: npx tsx bench/gate-bench.ts [--queries 5000] [--runs 3] [--prof DIR] [--compare TREE]
//   --compare TREE  also starts a gate from another checkout of vt (e.g. `git archive HEAD~1 | tar -x -C TREE`
//                with node_modules linked) over the same tablet, and alternates runs between the two gates, so
//                both see the same machine load: the way to measure one change on a noisy machine
//   --prof DIR   writes DIR/gate-<pid>.cpuprofile: a V8 CPU profile of the gate over the measured runs (a hook
//                loaded with --import starts/stops node:inspector's profiler on SIGUSR2)
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2';
import { freePorts } from '../test/support/mysqld.js';
import { TabletCluster } from '../test/support/tablet-cluster.js';
import { arg, drive, median, procCpuUs, profileHook, spreadId, loadSbtest } from './bench-support.js';

const QUERIES = Number(arg('queries', '5000'));
const RUNS = Number(arg('runs', '3'));
const PROF = arg('prof', '');
const COMPARE = arg('compare', '');
const ROWS = 10_000;
const repoRoot = fileURLToPath(new URL('..', import.meta.url));

/** Read and write system calls of a process so far (syscr/syscw of /proc/<pid>/io). */
function procSyscalls(pid: number): { r: number; w: number } {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return { r: Number(/syscr: (\d+)/.exec(io)![1]), w: Number(/syscw: (\d+)/.exec(io)![1]) };
}

const idFor = (i: number): number => spreadId(i, ROWS);

/** `vt gate` over the cluster's topology; resolves once it listens. */
async function startGate(
  cluster: TabletCluster,
  root: string,
  prof: boolean,
): Promise<{ proc: ChildProcess; port: number }> {
  const [mysqlPort, httpPort] = await freePorts(2);
  const env: NodeJS.ProcessEnv = { ...process.env, VTDATAROOT: cluster.dataRoot };
  if (prof) {
    mkdirSync(PROF, { recursive: true });
    const hook = path.join(os.tmpdir(), `vt-gate-bench-prof-${process.pid}.mjs`);
    writeFileSync(hook, profileHook('gate'));
    env.NODE_OPTIONS = `${process.env.NODE_OPTIONS ?? ''} --import ${hook}`.trim();
    env.VT_BENCH_PROF_DIR = path.resolve(PROF);
  }
  const args = [
    path.join(root, 'bin', 'dev.js'),
    'gate',
    ...cluster.topoFlags,
    '--mysql-server-port',
    String(mysqlPort),
    '--port',
    String(httpPort),
    '--tablet-types-to-wait',
    'PRIMARY',
  ];
  const proc = spawn(process.execPath, args, { cwd: root, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  for (let i = 0; i < 600; i++) {
    if (out.includes('vt gate: MySQL on')) return { proc, port: mysqlPort! };
    if (proc.exitCode !== null) break;
    await sleep(100);
  }
  proc.kill('SIGKILL');
  throw new Error(`vt gate did not start: ${out}`);
}

async function main(): Promise<void> {
  const cluster = await TabletCluster.start({
    layout: [{ keyspace: 'bench', shard: '0', tablets: 1 }],
    processes: [0],
  });
  const conns: mysql.Connection[] = [];
  const gates: { label: string; proc: ChildProcess; port: number }[] = [];
  try {
    await cluster.electPrimaries();
    const t = cluster.tablets[0]!;
    const tabletPid = t.proc!.pid!;
    const dba = mysql.createConnection({ socketPath: t.mysqld.paths.socket, user: 'vt_dba', database: 'vt_bench' });
    conns.push(dba);
    await loadSbtest(dba, ROWS);

    gates.push({ label: 'gate', ...(await startGate(cluster, repoRoot, PROF !== '')) });
    if (COMPARE) gates.push({ label: 'other', ...(await startGate(cluster, path.resolve(COMPARE), false)) });
    console.log(`${gates.map((g) => `${g.label} pid ${g.proc.pid} (:${g.port})`).join(', ')}, tablet pid ${tabletPid}`);
    const check = (resolve: () => void, reject: (e: unknown) => void) => (e: unknown, r: unknown) => {
      if (e) reject(e);
      else if ((r as unknown[]).length !== 1) reject(new Error('expected one row'));
      else resolve();
    };
    const clients = gates.map((g) => {
      const app: mysql.Connection[] = [];
      for (let w = 0; w < 8; w++) {
        const c = mysql.createConnection({
          host: '127.0.0.1',
          port: g.port,
          user: 'app',
          database: 'bench',
          rowsAsArray: true,
        });
        app.push(c);
        conns.push(c);
      }
      return {
        text: (i: number, w: number): Promise<void> =>
          new Promise((resolve, reject) =>
            app[w]!.query(`select c from sbtest1 where id = ${idFor(i)}`, check(resolve, reject)),
          ),
        prepared: (i: number, w: number): Promise<void> =>
          new Promise((resolve, reject) =>
            app[w]!.execute('select c from sbtest1 where id = ?', [idFor(i)], check(resolve, reject)),
          ),
      };
    });

    // Warm up every path (JIT, pools, plan caches, mysql2's statement cache).
    for (const modes of clients) for (const one of Object.values(modes)) await drive(QUERIES, 8, one);
    const profPid = gates[0]!.proc.pid!;
    if (PROF) process.kill(profPid, 'SIGUSR2');

    const load = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
    console.log(
      `node ${process.version}, ${QUERIES} point selects per run, median of ${RUNS} runs; load average ${load}`,
    );
    for (const conc of [1, 8]) {
      for (const mode of ['text', 'prepared'] as const) {
        const m = gates.map(() => ({
          gate: [] as number[],
          tablet: [] as number[],
          qps: [] as number[],
          reads: [] as number[],
          writes: [] as number[],
        }));
        for (let run = 0; run < RUNS; run++) {
          for (let g = 0; g < gates.length; g++) {
            const gatePid = gates[g]!.proc.pid!;
            const g0 = procCpuUs(gatePid);
            const t0 = procCpuUs(tabletPid);
            const s0 = procSyscalls(gatePid);
            const ms = await drive(QUERIES, conc, clients[g]![mode]);
            const s1 = procSyscalls(gatePid);
            m[g]!.reads.push((s1.r - s0.r) / QUERIES);
            m[g]!.writes.push((s1.w - s0.w) / QUERIES);
            m[g]!.gate.push((procCpuUs(gatePid) - g0) / QUERIES);
            m[g]!.tablet.push((procCpuUs(tabletPid) - t0) / QUERIES);
            m[g]!.qps.push((QUERIES / ms) * 1000);
          }
        }
        for (let g = 0; g < gates.length; g++) {
          const x = m[g]!;
          console.log(
            `concurrency ${conc} ${mode.padEnd(8)} ${gates[g]!.label.padEnd(5)}: gate ${median(x.gate).toFixed(1)} µs CPU/query (runs ${x.gate.map((v) => v.toFixed(1)).join(' ')}), tablet ${median(x.tablet).toFixed(1)}, ${Math.round(median(x.qps))} qps, gate syscalls/query: ${median(x.reads).toFixed(2)} read ${median(x.writes).toFixed(2)} write`,
          );
        }
      }
    }
    if (PROF) {
      const file = path.join(path.resolve(PROF), `gate-${profPid}.cpuprofile`);
      process.kill(profPid, 'SIGUSR2');
      for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
      await sleep(500);
      console.log(`gate CPU profile (measured runs): ${file}`);
    }
  } finally {
    for (const c of conns) c.destroy();
    for (const { proc } of gates) {
      if (proc.exitCode !== null) continue;
      const exited = new Promise((resolve) => proc.once('exit', resolve));
      proc.kill('SIGTERM');
      await Promise.race([exited, sleep(10_000)]);
      if (proc.exitCode === null) proc.kill('SIGKILL');
    }
    await cluster.stop();
  }
}

await main();
