// CPU per point select of a `vt tablet` process, against bare mysql2 in the same run.
//
// Starts one mariadbd and one `vt tablet` child process (bin/dev.js, elected primary of bench/0), loads sbtest1
// (10k rows), then drives `select c from sbtest1 where id = :id` through one RpcClient + QueryService.client at
// concurrency 1 and 8. The tablet's CPU comes from /proc/<pid>/stat (utime+stime), so the client's CPU is not in
// it. For comparison, the same selects with bare mysql2 (callback API, rowsAsArray, one connection per worker,
// same unix socket) report this process's CPU, and so does the tablet's own client layer (DbConn.exec, as its pools
// run statements), and TabletQueryService.Execute of a QueryEngine in this process (the tablet's layers above DbConn
// without RPC: its figure minus DbConn's is their cost). Each figure is the median of --runs runs. The machine is shared:
// quote CPU per query, not wall time (QPS is printed for orientation only).
//
// Run: npx tsx bench/tablet-bench.ts [--queries 5000] [--runs 3] [--prof DIR]
//   --prof DIR   writes DIR/tablet-<pid>.cpuprofile: a V8 CPU profile of the tablet over the measured runs (a hook
//                loaded with --import starts/stops node:inspector's profiler on SIGUSR2; --cpu-prof is not allowed
//                in NODE_OPTIONS, and the tablet is started by the test helper)
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2';
import { RpcClient } from '../src/core/rpc/index.js';
import { bindVar } from '../src/core/sql/index.js';
import { DbConn } from '../src/core/tablet/db-conn.js';
import { QueryEngine } from '../src/core/tablet/query-engine.js';
import { QueryService } from '../src/core/tablet/query-service.js';
import { StateManager } from '../src/core/tablet/state-manager.js';
import { defaultTabletConfig } from '../src/core/tablet/tablet-config.js';
import { TabletQueryService } from '../src/core/tablet/tablet-query-service.js';
import type { CallContext } from '../src/core/rpc/index.js';
import { TabletCluster } from '../test/support/tablet-cluster.js';
import { arg, drive, median, procCpu, profileHook, spreadId, loadSbtest } from './bench-support.js';

const QUERIES = Number(arg('queries', '5000'));
const RUNS = Number(arg('runs', '3'));
const PROF = arg('prof', '');
const ROWS = 10_000;
const SQL = 'select c from sbtest1 where id = :id';

function selfCpuUs(): number {
  const c = process.cpuUsage();
  return c.user + c.system;
}

const idFor = (i: number): number => spreadId(i, ROWS);

/** A call context as the RPC server makes one: the AbortSignal is created only if a handler reads it. */
class BenchCtx implements CallContext {
  readonly peer = '127.0.0.1:1';
  readonly method = 'queryservice.Execute';
  private controller: AbortController | undefined;

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    return this.controller.signal;
  }
}

async function main(): Promise<void> {
  const savedNodeOptions = process.env.NODE_OPTIONS;
  if (PROF) {
    mkdirSync(PROF, { recursive: true });
    const hook = path.join(os.tmpdir(), `vt-tablet-bench-prof-${process.pid}.mjs`);
    writeFileSync(hook, profileHook('tablet'));
    process.env.NODE_OPTIONS = `${savedNodeOptions ?? ''} --import ${hook}`.trim();
    process.env.VT_BENCH_PROF_DIR = path.resolve(PROF);
  }
  const cluster = await TabletCluster.start({
    layout: [{ keyspace: 'bench', shard: '0', tablets: 1 }],
    processes: [0],
  });
  if (PROF) {
    if (savedNodeOptions === undefined) delete process.env.NODE_OPTIONS;
    else process.env.NODE_OPTIONS = savedNodeOptions;
  }
  const mysqlConns: mysql.Connection[] = [];
  try {
    await cluster.electPrimaries();
    const t = cluster.tablets[0]!;
    const pid = t.proc!.pid!;
    console.log(`tablet pid ${pid}, rpc port ${t.rpcPort}, mysqld port ${t.mysqld.port}`);
    const connect = (): mysql.Connection =>
      mysql.createConnection({
        socketPath: t.mysqld.paths.socket,
        user: 'vt_dba',
        database: 'vt_bench',
        rowsAsArray: true,
      });
    const dba = connect();
    mysqlConns.push(dba);
    await loadSbtest(dba, ROWS);

    const client = new RpcClient(cluster.env, { host: '127.0.0.1', port: t.rpcPort });
    const qs = QueryService.client(client);
    const target = cluster.target('primary');
    const viaTablet = async (i: number): Promise<void> => {
      const r = await qs.Execute({ target, sql: SQL, bindVars: { id: bindVar.int(idFor(i)) } });
      if (r.rows.length !== 1) throw new Error(`expected one row for id ${idFor(i)}, got ${r.rows.length}`);
    };
    const app: mysql.Connection[] = [];
    for (let w = 0; w < 8; w++) {
      const c = connect();
      app.push(c);
      mysqlConns.push(c);
    }
    const viaMysql2 = (i: number, w: number): Promise<void> =>
      new Promise((resolve, reject) =>
        app[w]!.query(`select c from sbtest1 where id = ${idFor(i)}`, (e: unknown, r: unknown) => {
          if (e) reject(e);
          else if ((r as unknown[]).length !== 1) reject(new Error('expected one row'));
          else resolve();
        }),
      );

    // The tablet's own mysqld client layer (DbConn over src/core/dbclient, as its pools use it), in this process.
    const dbConns: DbConn[] = [];
    for (let w = 0; w < 8; w++)
      dbConns.push(await DbConn.connect({ socketPath: t.mysqld.paths.socket, user: 'vt_app', database: 'vt_bench' }));
    const viaDbConn = async (i: number, w: number): Promise<void> => {
      const r = await dbConns[w]!.exec(`select c from sbtest1 where id = ${idFor(i)} limit 10001`, {
        timeoutMs: 30_000,
      });
      if (r.rows.length !== 1) throw new Error('expected one row');
    };

    // The tablet's query path without the RPC layer: TabletQueryService.Execute of a QueryEngine in this process,
    // on the same mysqld. Its CPU minus DbConn's is what the tablet's own layers (admission, plan, rules, pool,
    // consolidator, stats) cost per query, without the noise of a second process.
    const state = new StateManager({ alias: 'bench-inproc', keyspace: 'bench', shard: '0', type: 'primary' });
    const engine = new QueryEngine({
      env: cluster.env,
      config: defaultTabletConfig,
      app: { socketPath: t.mysqld.paths.socket, user: 'vt_app', database: 'vt_bench' },
      dba: { socketPath: t.mysqld.paths.socket, user: 'vt_dba' },
      createDatabase: false,
    });
    await engine.open();
    state.setEngineOpen(true);
    state.setMysql(true);
    const inproc = new TabletQueryService(state, engine, 60_000);
    const viaInproc = async (i: number): Promise<void> => {
      const r = await inproc.Execute({ target, sql: SQL, bindVars: { id: bindVar.int(idFor(i)) } }, new BenchCtx());
      if (r.rows.length !== 1) throw new Error('expected one row');
    };

    // Warm up every path (JIT, pools, plan cache).
    await drive(QUERIES, 8, viaTablet);
    await drive(QUERIES, 8, viaMysql2);
    await drive(QUERIES, 8, viaDbConn);
    await drive(QUERIES, 8, viaInproc);
    if (PROF) process.kill(pid, 'SIGUSR2');

    console.log(
      `node ${process.version}, ${QUERIES} point selects per run, median of ${RUNS} runs; load average ${readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ')}`,
    );
    for (const conc of [1, 8]) {
      const tabletCpu: number[] = [];
      const tabletSys: number[] = [];
      const tabletQps: number[] = [];
      const mysqlCpu: number[] = [];
      const mysqlQps: number[] = [];
      const dbConnCpu: number[] = [];
      const inprocCpu: number[] = [];
      for (let run = 0; run < RUNS; run++) {
        const p0 = procCpu(pid);
        let ms = await drive(QUERIES, conc, viaTablet);
        const p1 = procCpu(pid);
        tabletCpu.push((p1.user + p1.sys - p0.user - p0.sys) / QUERIES);
        tabletSys.push((p1.sys - p0.sys) / QUERIES);
        tabletQps.push((QUERIES / ms) * 1000);
        const c0 = selfCpuUs();
        ms = await drive(QUERIES, conc, viaMysql2);
        mysqlCpu.push((selfCpuUs() - c0) / QUERIES);
        mysqlQps.push((QUERIES / ms) * 1000);
        const d0 = selfCpuUs();
        await drive(QUERIES, conc, viaDbConn);
        dbConnCpu.push((selfCpuUs() - d0) / QUERIES);
        const e0 = selfCpuUs();
        await drive(QUERIES, conc, viaInproc);
        inprocCpu.push((selfCpuUs() - e0) / QUERIES);
      }
      console.log(
        `concurrency ${conc}: tablet ${median(tabletCpu).toFixed(1)} µs CPU/query, ${median(tabletSys).toFixed(1)} of it system (runs ${tabletCpu.map((x) => x.toFixed(1)).join(' ')}), ${Math.round(median(tabletQps))} qps | bare mysql2 ${median(mysqlCpu).toFixed(1)} µs CPU/query, ${Math.round(median(mysqlQps))} qps | DbConn ${median(dbConnCpu).toFixed(1)} µs CPU/query | in-process QueryService.Execute ${median(inprocCpu).toFixed(1)} µs CPU/query (runs ${inprocCpu.map((x) => x.toFixed(1)).join(' ')})`,
      );
    }
    if (PROF) {
      const file = path.join(path.resolve(PROF), `tablet-${pid}.cpuprofile`);
      process.kill(pid, 'SIGUSR2');
      for (let i = 0; i < 100 && !existsSync(file); i++) await sleep(100);
      await sleep(500);
      console.log(`tablet CPU profile (measured runs, includes mysql2 comparison idle time): ${file}`);
    }
    client.close();
    for (const c of dbConns) c.close();
    await engine.close();
  } finally {
    for (const c of mysqlConns) c.destroy();
    await cluster.stop();
  }
}

await main();
