import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { BinaryCodec } from './binary-codec.js';
import { RpcClient } from './rpc-client.js';
import { RpcServer } from './rpc-server.js';
import { recordingLogger, sleep, waitFor } from './test-helpers.js';

const fixture = fileURLToPath(new URL('./testdata/rpc-server-fixture.ts', import.meta.url));

/** Starts the fixture server in its own process, so it can be SIGKILLed like a crashing tablet. */
async function startChild(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['--import', 'tsx', fixture], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (b: Buffer) => {
      out += b.toString();
      const m = /\{"port":(\d+)\}/.exec(out);
      if (m) resolve(Number(m[1]));
    });
    child.once('exit', (code) => reject(new Error(`fixture exited with ${code}`)));
  });
  return { child, port };
}

/** A free port nobody listens on (bound then released). */
async function freePort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise((r) => s.close(r));
  return port;
}

describe('RPC failure handling', () => {
  const cleanups: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });
  afterAll(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it('server process killed mid-call: pending unary and stream calls fail UNAVAILABLE promptly', async () => {
    const { child, port } = await startChild();
    cleanups.push(() => child.kill('SIGKILL'));
    const client = new RpcClient(testEnv(), { host: '127.0.0.1', port });
    cleanups.push(() => client.close());
    await expect(client.call('test.Echo', 'hi')).resolves.toBe('hi');
    const hang = client.call('test.Hang', {}).catch((e: unknown) => e);
    const streamed: number[] = [];
    const stream = (async () => {
      for await (const i of client.stream<unknown, number>('test.Forever', {})) streamed.push(i);
    })().catch((e: unknown) => e);
    await waitFor(() => streamed.length > 2);
    const t0 = Date.now();
    child.kill('SIGKILL');
    const [e1, e2] = (await Promise.all([hang, stream])) as VtError[];
    expect(Date.now() - t0).toBeLessThan(1000);
    for (const e of [e1, e2]) {
      expect(e).toBeInstanceOf(VtError);
      expect(e!.code).toBe('UNAVAILABLE');
      expect(e!.message).toContain(`127.0.0.1:${port}`);
    }
  });

  it('connection refused is UNAVAILABLE with the address; the client reconnects after backoff', async () => {
    const port = await freePort();
    const client = new RpcClient(testEnv(), { host: '127.0.0.1', port, backoffMs: 100 });
    cleanups.push(() => client.close());
    const err = (await client.call('test.Echo', 1).catch((e: unknown) => e)) as VtError;
    expect(err.code).toBe('UNAVAILABLE');
    expect(err.message).toContain(`127.0.0.1:${port}`);
    // Within the backoff, calls fail fast without dialing.
    await expect(client.call('test.Echo', 1)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('retrying after'),
    });
    const server = new RpcServer(testEnv());
    server.register('test.Echo', (r: unknown) => r);
    await server.listen(port, '127.0.0.1');
    cleanups.push(() => server.close());
    await sleep(120);
    await expect(client.call('test.Echo', 7)).resolves.toBe(7);
    // After the server drops the connection, the next call dials again.
    await server.close();
    const server2 = new RpcServer(testEnv());
    server2.register('test.Echo', (r: unknown) => r);
    await server2.listen(port, '127.0.0.1');
    cleanups.push(() => server2.close());
    await expect(client.call('test.Echo', 8)).resolves.toBe(8);
  });

  it('deadline also covers connecting', async () => {
    // A listener that never accepts at the protocol level: TCP connects, but no preface or reply ever comes.
    const silent = net.createServer(() => {});
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => silent.close(r)));
    const sockets: net.Socket[] = [];
    silent.on('connection', (s) => sockets.push(s));
    cleanups.push(() => sockets.forEach((s) => s.destroy()));
    const client = new RpcClient(testEnv(), { host: '127.0.0.1', port: (silent.address() as net.AddressInfo).port });
    cleanups.push(() => client.close());
    await expect(client.call('test.Echo', 1, { timeoutMs: 50 })).rejects.toMatchObject({ code: 'DEADLINE_EXCEEDED' });
  });

  it('oversized frames: rejected locally by the client, and by the server which closes that connection only', async () => {
    const logger = recordingLogger();
    const server = new RpcServer(testEnv({ logger }), { maxFrameSize: 1024 });
    server.register('test.Echo', (r: unknown) => r);
    server.register('test.Big', () => 'y'.repeat(4096));
    const { port } = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());

    const small = new RpcClient(testEnv(), { host: '127.0.0.1', port, maxFrameSize: 1024 });
    cleanups.push(() => small.close());
    await expect(small.call('test.Echo', 'x'.repeat(2000))).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      errno: 1153,
    });
    await expect(small.call('test.Echo', 'ok')).resolves.toBe('ok');
    // A reply too large for the server's limit is an error for that call, not a broken connection.
    await expect(small.call('test.Big', {})).rejects.toMatchObject({ code: 'RESOURCE_EXHAUSTED' });

    const big = new RpcClient(testEnv(), { host: '127.0.0.1', port });
    cleanups.push(() => big.close());
    const inflight = big.call('test.Echo', 'still here?').catch((e: unknown) => e);
    const err = (await big.call('test.Echo', 'x'.repeat(2000)).catch((e: unknown) => e)) as VtError;
    expect(err.code).toBe('RESOURCE_EXHAUSTED');
    expect(err.message).toMatch(/exceeds the maximum frame size of 1024 bytes/);
    // Other calls on the closed connection fail promptly instead of hanging.
    expect(await inflight).toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining(`127.0.0.1:${port}`),
    });
    await waitFor(() => logger.entries.some((e) => e.level === 'error' && /protocol error/.test(e.msg ?? '')));
    await expect(small.call('test.Echo', 'others unaffected')).resolves.toBe('others unaffected');
    // The offending client reconnects on its next call.
    await expect(big.call('test.Echo', 'again')).resolves.toBe('again');
  });

  it('a reply over the client frame limit fails that call with RESOURCE_EXHAUSTED; others get UNAVAILABLE', async () => {
    const server = new RpcServer(testEnv());
    server.register('test.Big', () => Buffer.alloc(4096));
    server.register('test.Slow', () => sleep(200).then(() => 'late'));
    const { port } = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());
    const client = new RpcClient(testEnv({ logger: recordingLogger() }), {
      host: '127.0.0.1',
      port,
      maxFrameSize: 1024,
    });
    cleanups.push(() => client.close());
    const slow = client.call('test.Slow', {}).catch((e: unknown) => e);
    await expect(client.call('test.Big', {})).rejects.toMatchObject({
      code: 'RESOURCE_EXHAUSTED',
      message: expect.stringContaining('exceeds the maximum frame size of 1024'),
    });
    expect(await slow).toMatchObject({ code: 'UNAVAILABLE' });
  });

  it('client close fails in-flight calls at once', async () => {
    const server = new RpcServer(testEnv());
    server.register('test.Hang', () => new Promise(() => {}));
    const { port } = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());
    const client = new RpcClient(testEnv(), { host: '127.0.0.1', port });
    const p = client.call('test.Hang', {}).catch((e: unknown) => e);
    await waitFor(() => server.connectionCount === 1);
    client.close();
    expect(await p).toMatchObject({ code: 'UNAVAILABLE', message: expect.stringContaining('closed') });
    await expect(client.call('test.Hang', {})).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    await waitFor(() => server.connectionCount === 0);
  });

  it('garbage bytes close that connection, are logged, and the server keeps serving', async () => {
    const logger = recordingLogger();
    const server = new RpcServer(testEnv({ logger }));
    server.register('test.Echo', (r: unknown) => r);
    const { port } = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());
    const client = new RpcClient(testEnv(), { host: '127.0.0.1', port });
    cleanups.push(() => client.close());
    await expect(client.call('test.Echo', 1)).resolves.toBe(1);

    for (const garbage of [
      Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'),
      Buffer.concat([Buffer.from('VTRPC\x01\x01\x00'), Buffer.alloc(64, 0xff)]),
    ]) {
      const raw = net.connect(port, '127.0.0.1');
      const closed = new Promise<void>((r) => raw.on('close', () => r()));
      raw.on('error', () => {});
      raw.resume();
      raw.write(garbage);
      await closed;
    }
    expect(logger.entries.filter((e) => e.level === 'error')).toHaveLength(2);
    await expect(client.call('test.Echo', 2)).resolves.toBe(2);
  });

  it('closes a connection that never sends its preface', async () => {
    const logger = recordingLogger();
    const server = new RpcServer(testEnv({ logger }), { handshakeTimeoutMs: 50 });
    const { port } = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());
    const raw = net.connect(port, '127.0.0.1');
    raw.on('error', () => {});
    raw.resume();
    const t0 = Date.now();
    await new Promise<void>((r) => raw.on('close', () => r()));
    expect(Date.now() - t0).toBeLessThan(2000);
    expect(logger.entries.some((e) => /sent no preface/.test(e.msg ?? ''))).toBe(true);
  });

  it('a client asking for a codec the server lacks gets a clear UNAVAILABLE', async () => {
    const server = new RpcServer(testEnv(), { codecs: [] });
    const { port } = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());
    const client = new RpcClient(testEnv(), { host: '127.0.0.1', port });
    cleanups.push(() => client.close());
    await expect(client.call('test.Echo', 1)).rejects.toMatchObject({
      code: 'UNAVAILABLE',
      message: expect.stringContaining('does not support the "binary" codec'),
    });
  });

  it('a client of the pre-OBJK binary layout (codec id 1) is refused at connect, not on its first object', async () => {
    const server = new RpcServer(testEnv());
    const { port } = await server.listen(0, '127.0.0.1');
    cleanups.push(() => server.close());
    const current = new BinaryCodec();
    const v1 = {
      id: 1,
      name: 'binary v1',
      encode: (v: unknown) => current.encode(v),
      decode: (b: Buffer) => current.decode(b),
    };
    const client = new RpcClient(testEnv(), { host: '127.0.0.1', port, codec: v1 });
    cleanups.push(() => client.close());
    await expect(client.call('test.Echo', { a: 1 })).rejects.toMatchObject({ code: 'UNAVAILABLE' });
    expect(current.id).not.toBe(1);
  });
});
