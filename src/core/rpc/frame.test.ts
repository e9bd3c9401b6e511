import * as net from 'node:net';
import { describe, expect, it } from 'vitest';
import { silentLogger } from '../env/logger.js';
import { FrameConnection } from './frame-connection.js';
import { encodeHeader, encodePreface, FrameReader, FrameType, HEADER_SIZE, type Frame } from './frame.js';

function frameBytes(id: number, payload: Buffer): Buffer {
  return Buffer.concat([encodeHeader(FrameType.Response, id, 0, payload.length), payload]);
}

describe('FrameReader', () => {
  it('parses frames split at every possible byte boundary', () => {
    const stream = Buffer.concat([
      encodePreface(1),
      frameBytes(1, Buffer.from('hello')),
      frameBytes(2, Buffer.alloc(0)),
      frameBytes(3, Buffer.from('world!')),
    ]);
    for (let cut = 1; cut < stream.length; cut++) {
      const got: Frame[] = [];
      const prefaces: Buffer[] = [];
      const r = new FrameReader(
        1024,
        (p) => prefaces.push(Buffer.from(p)),
        (f) => got.push({ ...f, payload: Buffer.from(f.payload) }),
      );
      r.push(stream.subarray(0, cut));
      r.push(stream.subarray(cut));
      expect(prefaces).toHaveLength(1);
      expect(got.map((f) => [f.id, f.payload.toString()])).toEqual([
        [1, 'hello'],
        [2, ''],
        [3, 'world!'],
      ]);
    }
  });

  it('returns payload views without copying when a frame arrives in one chunk', () => {
    const chunk = Buffer.concat([encodePreface(1), frameBytes(9, Buffer.from('abc'))]);
    let payload: Buffer | undefined;
    new FrameReader(
      1024,
      () => {},
      (f) => (payload = f.payload),
    ).push(chunk);
    expect(payload!.buffer).toBe(chunk.buffer);
  });

  it('rejects an oversized frame from its header alone, recording which request it was', () => {
    const r = new FrameReader(
      16,
      () => {},
      () => {},
    );
    const header = encodeHeader(FrameType.Request, 42, 0, 17);
    expect(() => r.push(Buffer.concat([encodePreface(1), header]))).toThrow(
      /17 bytes exceeds the maximum frame size of 16/,
    );
    expect(r.rejected).toEqual({ type: FrameType.Request, id: 42, length: 17 });
  });

  it('rejects unknown frame types and a bad preface', () => {
    const bad = Buffer.concat([encodePreface(1), encodeHeader(FrameType.Response, 1, 0, 0)]);
    bad[PREFACE_TYPE_OFFSET] = 99;
    expect(() =>
      new FrameReader(
        16,
        () => {},
        () => {},
      ).push(bad),
    ).toThrow(/unknown frame type 99/);
  });
});

const PREFACE_TYPE_OFFSET = 8 + 4;

describe('FrameConnection write batching', () => {
  it('sends frames queued in one tick with a single write', async () => {
    const chunks: Buffer[] = [];
    const server = net.createServer((s) => s.on('data', (c: Buffer) => chunks.push(c)));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const socket = net.connect((server.address() as net.AddressInfo).port, '127.0.0.1');
    await new Promise((r) => socket.once('connect', r));
    let writes = 0;
    const write = socket.write.bind(socket);
    socket.write = ((...args: Parameters<typeof write>) => {
      writes++;
      return write(...args);
    }) as typeof socket.write;
    const conn = new FrameConnection(
      socket,
      { onPreface: () => {}, onFrame: () => {}, onClose: () => {} },
      { maxFrameSize: 1024, logger: silentLogger, peer: 'test' },
    );
    for (let i = 0; i < 1000; i++) conn.send(FrameType.Response, i, 0, Buffer.from('x'));
    const total = 1000 * (HEADER_SIZE + 1);
    const until = Date.now() + 2000;
    while (chunks.reduce((n, c) => n + c.length, 0) < total && Date.now() < until)
      await new Promise((r) => setTimeout(r, 5));
    expect(chunks.reduce((n, c) => n + c.length, 0)).toBe(total);
    expect(writes).toBe(1);
    conn.destroy();
    await new Promise((r) => server.close(r));
  });
});
