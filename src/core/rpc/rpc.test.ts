import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { Err, VtError } from '../errors/index.js';
import type { CallContext } from './handler.js';
import { JsonCodec } from './json-codec.js';
import { RpcClient } from './rpc-client.js';
import { RpcServer } from './rpc-server.js';
import { sleep, waitFor } from './test-helpers.js';

describe('RpcServer + RpcClient', () => {
  const env = testEnv();
  const server = new RpcServer(env);
  let client: RpcClient;
  let port = 0;
  const seen = {
    aborted: [] as { method: string; code: string }[],
    streamFinally: 0,
    produced: 0,
  };
  const onAbort = (ctx: CallContext) => {
    ctx.signal.addEventListener('abort', () =>
      seen.aborted.push({ method: ctx.method, code: (ctx.signal.reason as VtError).code }),
    );
  };

  beforeAll(async () => {
    server.register('test.Echo', (req: unknown) => req);
    server.register('test.Delay', async (req: { i: number; ms: number }) => {
      await sleep(req.ms);
      return { i: req.i };
    });
    server.register('test.Fail', (req: { kind: string }) => {
      if (req.kind === 'vt') throw Err.noSuchTable('t1');
      if (req.kind === 'reason') throw new VtError('NOT_FOUND', 'no node', { reason: 'NoNode' });
      throw new Error('plain failure');
    });
    server.register('test.Wait', (_req: unknown, ctx: CallContext) => {
      onAbort(ctx);
      return new Promise((_resolve, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    });
    server.registerStream('test.Count', async function* (req: { n: number }) {
      for (let i = 0; i < req.n; i++)
        yield { i, row: [String(i), `name${i}`, null, Buffer.from([i & 255]), BigInt(i) * 1000n] };
    });
    server.registerStream('test.Endless', async function* (_req: unknown, ctx: CallContext) {
      onAbort(ctx);
      try {
        for (let i = 0; ; i++) {
          seen.produced++;
          yield i;
        }
      } finally {
        seen.streamFinally++;
      }
    });
    server.registerStream('test.StreamFail', async function* () {
      yield 1;
      yield 2;
      throw new VtError('ABORTED', 'tx killed', { errno: 1205, sqlState: 'HY000' });
    });
    ({ port } = await server.listen(0, '127.0.0.1'));
    client = new RpcClient(env, { host: '127.0.0.1', port });
  });

  afterAll(async () => {
    client.close();
    await server.close();
  });

  it('round-trips a unary call with Buffer, bigint and nested values', async () => {
    const req = { sql: 'select 1', binds: { a: Buffer.from('x'), b: 2n ** 64n }, rows: [['1', null]] };
    await expect(client.call('test.Echo', req)).resolves.toEqual(req);
  });

  it('streams 10k items in order', async () => {
    let next = 0;
    for await (const item of client.stream<{ n: number }, { i: number; row: unknown[] }>('test.Count', { n: 10_000 })) {
      expect(item.i).toBe(next);
      next++;
    }
    expect(next).toBe(10_000);
  });

  it('multiplexes 1000 concurrent calls on one connection with out-of-order completion', async () => {
    const order: number[] = [];
    const calls = Array.from({ length: 1000 }, (_, i) =>
      client.call<{ i: number; ms: number }, { i: number }>('test.Delay', { i, ms: (i * 7919) % 50 }).then((r) => {
        order.push(r.i);
        return r.i;
      }),
    );
    const results = await Promise.all(calls);
    expect(results).toEqual(Array.from({ length: 1000 }, (_, i) => i));
    // Completion order differs from issue order: replies were matched by request id, not by position.
    expect(order).not.toEqual(results);
    expect(server.connectionCount).toBe(1);
  });

  it('delivers a VtError with all its fields', async () => {
    const err = await client.call('test.Fail', { kind: 'vt' }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(VtError);
    expect((err as VtError).toJSON()).toEqual(Err.noSuchTable('t1').toJSON());
    expect((err as VtError).message).toBe("Table 't1' doesn't exist");
    const withReason = (await client.call('test.Fail', { kind: 'reason' }).catch((e: unknown) => e)) as VtError;
    expect(withReason.reason).toBe('NoNode');
  });

  it('turns a non-VtError into UNKNOWN with the message', async () => {
    const err = (await client.call('test.Fail', { kind: 'plain' }).catch((e: unknown) => e)) as VtError;
    expect(err).toBeInstanceOf(VtError);
    expect(err.code).toBe('UNKNOWN');
    expect(err.message).toBe('plain failure');
    expect(err.errno).toBe(1105);
  });

  it('fails a stream with the handler error after the items before it', async () => {
    const got: unknown[] = [];
    const err = await (async () => {
      for await (const x of client.stream('test.StreamFail', {})) got.push(x);
    })().catch((e: unknown) => e);
    expect(got).toEqual([1, 2]);
    expect((err as VtError).toJSON()).toMatchObject({ code: 'ABORTED', errno: 1205, message: 'tx killed' });
  });

  it('answers UNIMPLEMENTED for an unknown method and for a unary/stream mismatch', async () => {
    await expect(client.call('nosuch.Method', {})).rejects.toMatchObject({
      code: 'UNIMPLEMENTED',
      message: expect.stringContaining('nosuch.Method'),
    });
    await expect(client.call('test.Count', { n: 1 })).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
    const it = client.stream('test.Echo', {})[Symbol.asyncIterator]();
    await expect(it.next()).rejects.toMatchObject({ code: 'UNIMPLEMENTED' });
  });

  it('client abort of a unary call aborts the server handler', async () => {
    const ac = new AbortController();
    const p = client.call('test.Wait', {}, { signal: ac.signal });
    await sleep(20);
    ac.abort();
    await expect(p).rejects.toMatchObject({ code: 'CANCELED', errno: 1317, sqlState: '70100' });
    await waitFor(() => seen.aborted.some((a) => a.method === 'test.Wait' && a.code === 'CANCELED'));
  });

  it('an already-aborted signal fails without sending', async () => {
    const ac = new AbortController();
    ac.abort(new VtError('ABORTED', 'gave up'));
    await expect(client.call('test.Echo', 1, { signal: ac.signal })).rejects.toMatchObject({
      code: 'ABORTED',
      message: 'gave up',
    });
  });

  it('breaking out of a stream loop cancels the server generator, which is bounded by the window', async () => {
    seen.aborted.length = 0;
    const finallyBefore = seen.streamFinally;
    seen.produced = 0;
    let consumed = 0;
    for await (const _ of client.stream<unknown, number>('test.Endless', {}, { window: 16 })) {
      if (++consumed === 100) break;
    }
    await waitFor(() => seen.streamFinally === finallyBefore + 1);
    expect(seen.aborted).toContainEqual({ method: 'test.Endless', code: 'CANCELED' });
    // Flow control: the producer never ran more than a window ahead of the consumer.
    expect(seen.produced).toBeLessThanOrEqual(100 + 16 + 1);
  });

  it('a slow consumer holds the server stream back (back-pressure)', async () => {
    seen.produced = 0;
    const ac = new AbortController();
    const iter = client
      .stream<unknown, number>('test.Endless', {}, { window: 8, signal: ac.signal })
      [Symbol.asyncIterator]();
    await iter.next();
    await sleep(100);
    // The server could have produced millions of items in 100 ms; it produced at most one window.
    expect(seen.produced).toBeLessThanOrEqual(8 + 1);
    ac.abort();
    await expect(iter.next()).rejects.toMatchObject({ code: 'CANCELED' });
  });

  it('enforces a per-call deadline on the client and the server', async () => {
    seen.aborted.length = 0;
    const t0 = Date.now();
    await expect(client.call('test.Wait', {}, { timeoutMs: 50 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      errno: 1317,
    });
    expect(Date.now() - t0).toBeLessThan(1000);
    await waitFor(() => seen.aborted.some((a) => a.method === 'test.Wait' && a.code === 'DEADLINE_EXCEEDED'));
  });

  it('enforces far deadlines through the shared sweepers too (client and server)', async () => {
    seen.aborted.length = 0;
    const t0 = Date.now();
    await expect(client.call('test.Wait', {}, { timeoutMs: 1100 })).rejects.toMatchObject({
      code: 'DEADLINE_EXCEEDED',
      errno: 1317,
    });
    const took = Date.now() - t0;
    expect(took).toBeGreaterThanOrEqual(1100);
    expect(took).toBeLessThan(3000);
    // Both sides expire within a sweep of each other: whether the server's own deadline or the client's cancel
    // (flagged as a deadline) ends the handler, it sees DEADLINE_EXCEEDED.
    await waitFor(() => seen.aborted.some((a) => a.method === 'test.Wait' && a.code === 'DEADLINE_EXCEEDED'));
  });

  it('clamps huge timeouts instead of letting timers overflow into an immediate deadline', async () => {
    await expect(client.call('test.Delay', { i: 1, ms: 20 }, { timeoutMs: 1e12 })).resolves.toEqual({ i: 1 });
    await expect(client.call('test.Delay', { i: 2, ms: 1 }, { timeoutMs: Infinity })).resolves.toEqual({ i: 2 });
  });

  it('applies the deadline to a whole stream', async () => {
    const err = await (async () => {
      for await (const _ of client.stream('test.Endless', {}, { timeoutMs: 50 })) await sleep(1);
    })().catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('serves a JSON-codec client on the same server', async () => {
    const json = new RpcClient(env, { host: '127.0.0.1', port, codec: new JsonCodec() });
    try {
      const req = { b: Buffer.from([1, 2]), n: 5n, s: 'ü' };
      await expect(json.call('test.Echo', req)).resolves.toEqual(req);
      let n = 0;
      for await (const _ of json.stream('test.Count', { n: 100 })) n++;
      expect(n).toBe(100);
    } finally {
      json.close();
    }
  });

  it('server close fails in-flight calls with UNAVAILABLE and aborts their handlers', async () => {
    const s2 = new RpcServer(env);
    const aborted: string[] = [];
    s2.register('x.Wait', (_r: unknown, ctx: CallContext) => {
      ctx.signal.addEventListener('abort', () => aborted.push((ctx.signal.reason as VtError).code));
      return new Promise(() => {});
    });
    const a = await s2.listen(0, '127.0.0.1');
    const c2 = new RpcClient(env, { host: '127.0.0.1', port: a.port });
    const p = c2.call('x.Wait', {}).catch((e: unknown) => e);
    await waitFor(() => s2.connectionCount === 1);
    await sleep(20);
    await s2.close();
    expect(await p).toMatchObject({ code: 'UNAVAILABLE' });
    expect(aborted).toEqual(['UNAVAILABLE']);
    c2.close();
  });
});
