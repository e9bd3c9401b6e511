// Measures the RPC layer: codec cost, CPU per unary call and streaming rows/s, binary codec vs JSON.
// Client and server run in this one process, so CPU figures are client + server together.
// Run: npx tsx bench/rpc-bench.ts [--calls 50000] [--rows 100000]
import { testEnv } from '../src/core/env/env.js';
import { BinaryCodec } from '../src/core/rpc/binary-codec.js';
import type { Codec } from '../src/core/rpc/codec.js';
import { JsonCodec } from '../src/core/rpc/json-codec.js';
import { RpcClient } from '../src/core/rpc/rpc-client.js';
import { RpcServer } from '../src/core/rpc/rpc-server.js';

const arg = (name: string, def: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
};
const CALLS = arg('calls', 50_000);
const ROWS = arg('rows', 100_000);
const WINDOW = arg('window', 64);

type Row = (string | Buffer | null)[];
const row = (i: number): Row => [
  String(i),
  `user-${i}`,
  i % 3 === 0 ? null : `user${i}@example.com`,
  String(i * 17.5),
  '2024-01-02 03:04:05',
];
const request = {
  sql: 'select id, name, email, balance, created from users where id = :id',
  bindVars: { id: 42n },
  options: {},
};
const reply = { fields: [{ name: 'id', type: 'INT64' }], rows: [row(42)], rowsAffected: 0n, insertId: 0n };

function measure(fn: () => Promise<void>): Promise<{ wallMs: number; cpuUs: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  return fn().then(() => {
    const c = process.cpuUsage(c0);
    return { wallMs: performance.now() - t0, cpuUs: c.user + c.system };
  });
}

function codecBench(codec: Codec): string {
  const batch = Array.from({ length: 100 }, (_, i) => row(i));
  const iters = ROWS / 100;
  for (let i = 0; i < 200; i++) codec.decode(codec.encode(batch));
  const t0 = process.cpuUsage();
  let bytes = 0;
  for (let i = 0; i < iters; i++) {
    const b = codec.encode(batch);
    bytes += b.length;
    codec.decode(b);
  }
  const c = process.cpuUsage(t0);
  const us = (c.user + c.system) / ROWS;
  return `${codec.name.padEnd(6)} encode+decode ${us.toFixed(3)} µs/row, ${(bytes / ROWS).toFixed(1)} bytes/row`;
}

async function main(): Promise<void> {
  const env = testEnv();
  const server = new RpcServer(env);
  server.register('bench.Execute', () => reply);
  server.registerStream('bench.StreamRows', async function* (req: { rows: number; batch: number }) {
    for (let i = 0; i < req.rows; i += req.batch) {
      const rows: Row[] = [];
      for (let j = i; j < Math.min(req.rows, i + req.batch); j++) rows.push(row(j));
      yield { rows };
    }
  });
  const { port } = await server.listen(0, '127.0.0.1');

  console.log(`node ${process.version}, ${CALLS} unary calls, ${ROWS} rows of 5 columns`);
  for (const codec of [new BinaryCodec(), new JsonCodec()]) console.log(codecBench(codec));

  for (const codec of [new BinaryCodec(), new JsonCodec()]) {
    const client = new RpcClient(env, { host: '127.0.0.1', port, codec });
    await client.call('bench.Execute', request);
    for (const conc of [1, 32]) {
      // Warm up, then measure.
      await runUnary(client, 2000, conc);
      const m = await measure(() => runUnary(client, CALLS, conc));
      console.log(
        `${codec.name.padEnd(6)} unary  concurrency ${String(conc).padStart(2)}: ${(m.cpuUs / CALLS).toFixed(1)} µs CPU/call, ${Math.round((CALLS / m.wallMs) * 1000)} calls/s`,
      );
    }
    for (const batch of [100, 1]) {
      await runStream(client, 10_000, batch);
      const m = await measure(() => runStream(client, ROWS, batch));
      console.log(
        `${codec.name.padEnd(6)} stream ${String(batch).padStart(3)} rows/item: ${Math.round((ROWS / m.wallMs) * 1000)} rows/s, ${(m.cpuUs / ROWS).toFixed(2)} µs CPU/row`,
      );
    }
    client.close();
  }
  await server.close();
}

async function runUnary(client: RpcClient, n: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) {
      next++;
      await client.call('bench.Execute', request);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}

async function runStream(client: RpcClient, rows: number, batch: number): Promise<void> {
  let got = 0;
  for await (const item of client.stream<unknown, { rows: Row[] }>(
    'bench.StreamRows',
    { rows, batch },
    { window: WINDOW },
  ))
    got += item.rows.length;
  if (got !== rows) throw new Error(`expected ${rows} rows, got ${got}`);
}

await main();
