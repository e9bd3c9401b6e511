import { createServer, type Server } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { isPortFree, PortAllocator } from './port-allocator.js';

const servers: Server[] = [];

function listen(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    servers.push(s);
    s.once('error', reject);
    s.listen(0, host, () => resolve((s.address() as { port: number }).port));
  });
}

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

describe('PortAllocator', () => {
  it('sees a port taken on loopback only as taken', async () => {
    const port = await listen('127.0.0.1');
    expect(await isPortFree(port)).toBe(false);
  });

  it('keeps a free wanted port, moves a taken one, and never hands out a port twice', async () => {
    const taken = await listen('127.0.0.1');
    const a = new PortAllocator();
    const moved = await a.allocate(taken, 'gate');
    expect(moved.moved).toBe(true);
    expect(moved.port).not.toBe(taken);
    expect(moved.wanted).toBe(taken);
    const again = await a.allocate(moved.port, 'tablet');
    expect(again.moved).toBe(true);
    expect(again.port).not.toBe(moved.port);
    await expect(a.allocate(taken, 'gate MySQL', { required: true })).rejects.toThrow(
      /gate MySQL port \d+ is already in use/,
    );
  });

  it('returns the wanted port when it is free', async () => {
    const port = await listen('127.0.0.1');
    await new Promise((r) => servers.pop()!.close(r));
    const got = await new PortAllocator().allocate(port, 'x');
    expect(got).toEqual({ port, wanted: port, moved: false });
  });
});
