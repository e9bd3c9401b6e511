import { readFileSync } from 'node:fs';

// Helpers shared by the bench scripts (gate-bench.ts, tablet-bench.ts). Benchmarks quote CPU per query read
// from /proc, not wall time: the machines are shared and noisy.

/** `--name value` from argv, or `def`. */
export const arg = (name: string, def: string): string => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1]! : def;
};

const TICKS = 100; // USER_HZ on Linux

/** utime and stime of a process in µs (from /proc/<pid>/stat). */
export function procCpu(pid: number): { user: number; sys: number } {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the ")" that closes comm: state is field 3, utime 14, stime 15.
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return { user: (Number(f[11]) * 1e6) / TICKS, sys: (Number(f[12]) * 1e6) / TICKS };
}

/** utime + stime of a process in µs. */
export function procCpuUs(pid: number): number {
  const c = procCpu(pid);
  return c.user + c.sys;
}

/** Row ids spread over a table of `rows` rows, deterministic per call index. */
export const spreadId = (i: number, rows: number): number => 1 + ((i * 7919) % rows);

/** Runs `n` calls of `one(i, worker)` over `conc` workers; resolves with the wall time in ms. */
export async function drive(
  n: number,
  conc: number,
  one: (i: number, worker: number) => Promise<void>,
): Promise<number> {
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: conc }, async (_, w) => {
      for (let i = next++; i < n; i = next++) await one(i, w);
    }),
  );
  return performance.now() - t0;
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/**
 * Source of an `--import` hook for a child process: the first SIGUSR2 starts V8's sampling profiler, the second
 * writes `$VT_BENCH_PROF_DIR/<label>-<pid>.cpuprofile`.
 */
export function profileHook(label: string): string {
  return `
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
const session = new Session();
session.connect();
let on = false;
process.on('SIGUSR2', () => {
  if (!on) {
    on = true;
    session.post('Profiler.enable', () => session.post('Profiler.setSamplingInterval', { interval: 200 }, () => session.post('Profiler.start')));
    return;
  }
  on = false;
  session.post('Profiler.stop', (err, r) => {
    if (!err) writeFileSync(process.env.VT_BENCH_PROF_DIR + '/${label}-' + process.pid + '.cpuprofile', JSON.stringify(r.profile));
  });
});
`;
}

/** Something that runs one mysql2 callback-style query (a Connection). */
interface CallbackQuery {
  query(sql: string, values: unknown, cb: (err: Error | null) => void): unknown;
}

/** Creates sysbench's sbtest1 table over `conn` and loads `rows` rows (id 1..rows), 1000 per INSERT. */
export async function loadSbtest(conn: CallbackQuery, rows: number): Promise<void> {
  const q = (sql: string, values?: unknown[]): Promise<void> =>
    new Promise((resolve, reject) => conn.query(sql, values, (e) => (e ? reject(e) : resolve())));
  await q(
    "create table sbtest1 (id int not null auto_increment, k int not null default 0, c char(120) not null default '', pad char(60) not null default '', primary key (id), key k_1 (k))",
  );
  for (let i = 0; i < rows; i += 1000) {
    const batch = Array.from({ length: Math.min(1000, rows - i) }, (_, j) => [
      i + j + 1,
      (i + j) % 997,
      `${i + j}-`.padEnd(119, 'c'),
      'pad'.padEnd(59, 'p'),
    ]);
    await q('insert into sbtest1 (id, k, c, pad) values ?', [batch]);
  }
}
