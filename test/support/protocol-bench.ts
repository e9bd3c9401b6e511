/**
 * CPU cost of the MySQL server protocol per round trip. Run: `npx tsx test/support/protocol-bench.ts [n]`.
 *
 * The MysqlServer (fixture handler from protocol-fixture.ts) runs in a child process so that its
 * process.cpuUsage() excludes the client; mysql2 in this process sends `n` (default 20000) sequential
 * commands over one connection for each workload and the child's CPU delta is divided by `n`. A second run
 * uses a minimal handler returning prebuilt events, to separate the protocol's cost from the fixture's.
 *
 * Measured 2026-11-26 on the shared 2-core box (load ~8): minimal handler COM_QUERY `select 1` 13.4 µs,
 * COM_PING 8.8 µs, COM_STMT_EXECUTE 14.1 µs server CPU per round trip; fixture handler `select 1` 20 µs.
 * A bare Node socket answering each packet with a fixed OK costs 8.2 µs on the same box. Under heavier
 * load (avg 15+) all figures rise by ~50%.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';

type Msg = { port: number } | { cpu: NodeJS.CpuUsage };

async function serverMain(minimal: boolean): Promise<void> {
  const { startFixtureServer } = await import('./protocol-fixture.js');
  const { field } = await import('../../src/core/sqltypes/field.js');
  const { MysqlType } = await import('../../src/core/sqltypes/mysql-type.js');
  // The minimal handler answers every query with the same prebuilt events: what remains is protocol cost.
  const events = [
    { kind: 'fields', fields: [field('1', MysqlType.LONGLONG)] },
    { kind: 'rows', rows: [['1']] },
    { kind: 'ok' },
  ] as const;
  const handler = minimal
    ? { query: () => events, prepare: () => ({ paramCount: 1, columns: [] }), execute: () => events }
    : undefined;
  const { port } = await startFixtureServer(handler ? { handler } : {});
  process.send!({ port });
  process.on('message', (m) => {
    if (m === 'cpu') process.send!({ cpu: process.cpuUsage() });
    if (m === 'exit') process.exit(0);
  });
}

function request(child: ChildProcess): Promise<NodeJS.CpuUsage> {
  return new Promise((res) => {
    child.once('message', (m: Msg) => res((m as { cpu: NodeJS.CpuUsage }).cpu));
    child.send('cpu');
  });
}

async function clientMain(n: number, minimal: boolean): Promise<void> {
  console.log(minimal ? 'minimal handler (static events):' : 'fixture handler:');
  const child = fork(fileURLToPath(import.meta.url), [minimal ? 'server-minimal' : 'server'], {
    execArgv: ['--import', 'tsx', ...(process.env['BENCH_NODE_ARGS']?.split(' ') ?? [])],
  });
  const port = await new Promise<number>((res) => child.once('message', (m: Msg) => res((m as { port: number }).port)));
  const c = await mysql.createConnection({ host: '127.0.0.1', port, user: 'u', password: 'pw' });
  const workloads: [string, () => Promise<unknown>][] = [
    ['COM_QUERY select 1 (1 row, 1 col)', () => c.query('select 1')],
    ['COM_PING', () => c.ping()],
    ['COM_STMT_EXECUTE echo ? (1 param)', () => c.execute('echo ?', [7])],
    ['COM_QUERY select * from t (3 rows, 5 cols)', () => c.query('select * from t')],
  ];
  for (const [name, f] of workloads) {
    for (let i = 0; i < 2000; i++) await f();
    const cpu0 = await request(child);
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await f();
    const wall = Number(process.hrtime.bigint() - t0) / 1e3 / n;
    const cpu1 = await request(child);
    const us = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / n;
    console.log(`${name.padEnd(46)} server CPU ${us.toFixed(1).padStart(6)} µs/op   wall ${wall.toFixed(1)} µs/op`);
  }
  if (minimal) {
    await c.end();
    child.send('exit');
    return;
  }
  // Streaming throughput: 200 MB of 100 kB rows.
  const cpu0 = await request(child);
  const t0 = Date.now();
  await c.query('select big 100000 2000');
  const cpu1 = await request(child);
  const ms = Date.now() - t0;
  const cpuMs = (cpu1.user - cpu0.user + cpu1.system - cpu0.system) / 1000;
  console.log(`large result 200 MB: ${ms} ms wall, server CPU ${cpuMs.toFixed(0)} ms`);
  await c.end();
  child.send('exit');
}

if (process.argv[2]?.startsWith('server')) {
  await serverMain(process.argv[2] === 'server-minimal');
} else {
  const n = Number(process.argv[2] ?? 20000);
  await clientMain(n, false);
  await clientMain(n, true);
}
