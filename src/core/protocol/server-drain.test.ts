import mysql from 'mysql2/promise';
import { describe, expect, it } from 'vitest';
import { startFixtureServer } from '../../../test/support/protocol-fixture.js';

/** MysqlServer.close(drainMs): statements in flight finish, idle and new connections do not get in. */

function connect(port: number): Promise<mysql.Connection> {
  return mysql.createConnection({ host: '127.0.0.1', port, user: 'u', password: 'pw' });
}

describe('MysqlServer.close with a drain', () => {
  it('lets a running statement return its rows, closes idle connections at once and refuses new ones', async () => {
    const { server, port } = await startFixtureServer();
    const busy = await connect(port);
    const idle = await connect(port);
    const idleClosed = new Promise<void>((resolve) => idle.once('end', () => resolve()).once('error', () => resolve()));
    const running = busy.query('sleep 400');
    await new Promise((r) => setTimeout(r, 100)); // the statement is on the server
    const t0 = Date.now();
    const closing = server.close(5000);
    await idleClosed;
    expect(Date.now() - t0).toBeLessThan(300); // idle: not kept for the drain
    await expect(connect(port)).rejects.toThrow();
    const [rows] = (await running) as [mysql.RowDataPacket[], unknown];
    expect(rows[0]).toEqual({ slept: 400 });
    await closing;
    expect(Date.now() - t0).toBeLessThan(2000); // done when the statement was, not after drainMs
    await expect(busy.query('select 1')).rejects.toThrow(); // its connection closed after the reply
    busy.destroy();
    idle.destroy();
  });

  it('cuts off statements still running when the drain time is over', async () => {
    const { server, port } = await startFixtureServer();
    const c = await connect(port);
    const running = c.query('sleep 10000');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await server.close(300);
    const waited = Date.now() - t0;
    expect(waited).toBeGreaterThanOrEqual(250);
    expect(waited).toBeLessThan(3000);
    await expect(running).rejects.toThrow();
    c.destroy();
  });

  it('without a drain closes every connection at once', async () => {
    const { server, port } = await startFixtureServer();
    const c = await connect(port);
    const running = c.query('sleep 10000');
    await new Promise((r) => setTimeout(r, 100));
    const t0 = Date.now();
    await server.close();
    expect(Date.now() - t0).toBeLessThan(1000);
    await expect(running).rejects.toThrow();
    c.destroy();
  });
});
