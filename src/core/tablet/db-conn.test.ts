import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ResultEvent } from '../sqltypes/index.js';
import { TabletMysqld } from '../../../test/support/tablet-mysqld.js';
import { DbConn, type ConnParams, type Killer } from './db-conn.js';
import { failure } from '../../../test/support/failure.js';

let mysqld: TabletMysqld;
let params: ConnParams;
let conn: DbConn;
let admin: DbConn;
const killer: Killer = {
  killQuery: async (id) => {
    await admin.exec(`kill query ${id}`);
  },
};

async function events(it: AsyncIterable<ResultEvent>): Promise<ResultEvent[]> {
  const out: ResultEvent[] = [];
  for await (const ev of it) out.push(ev);
  return out;
}

beforeAll(async () => {
  mysqld = await TabletMysqld.create();
  params = { socketPath: mysqld.socketPath, user: 'root', database: 'dbt' };
  admin = await DbConn.connect({ socketPath: mysqld.socketPath, user: 'root' });
  await admin.exec('create database dbt');
  await admin.exec('create table dbt.t (id bigint unsigned auto_increment primary key, v tinyint, s varchar(10))');
  await admin.exec("create procedure dbt.one() begin select 1 a, 'x' b; end");
  await admin.exec('create procedure dbt.two() begin select 1 a; select 2 b; end');
  await admin.exec('create procedure dbt.dml() begin insert into dbt.t (v) values (9); end');
  conn = await DbConn.connect(params);
});

afterAll(async () => {
  conn?.close();
  admin?.close();
  await mysqld?.destroy();
});

describe('DbConn against a real mariadbd', () => {
  it('returns OK results: affected rows, insert id (bigint above 2^53), warnings, info', async () => {
    const ins = await conn.exec("insert into t (v, s) values (1, 'a'), (2, 'b')");
    expect(ins).toEqual({
      fields: [],
      rows: [],
      affectedRows: 2,
      insertId: 1,
      warnings: 0,
      info: 'Records: 2  Duplicates: 0  Warnings: 0',
    });
    const upd = await conn.exec('update t set v = 5');
    expect(upd).toMatchObject({ affectedRows: 2, info: 'Rows matched: 2  Changed: 2  Warnings: 0' });
    const warned = await conn.exec('insert ignore into t (v) values (300)');
    expect(warned).toMatchObject({ affectedRows: 1, insertId: 3, warnings: 1 });
    await conn.exec('insert into t (id, v) values (18446744073709551000, 1)');
    expect((await conn.exec('insert into t (v) values (1)')).insertId).toBe(18446744073709551001n);
    const sel = await conn.exec('select id, s from t where id <= 2 order by id');
    expect(sel.rows).toEqual([
      ['1', 'a'],
      ['2', 'b'],
    ]);
    expect(sel.fields.map((f) => [f.name, f.table, f.database])).toEqual([
      ['id', 't', 'dbt'],
      ['s', 't', 'dbt'],
    ]);
    expect([sel.affectedRows, sel.insertId, sel.warnings]).toEqual([0, 0, 0]);
    expect((await conn.exec('select 1/0 x')).warnings).toBe(1);
  });

  it('keeps server errors (errno, SQLSTATE, message) and stays usable', async () => {
    const e = await failure(conn.exec('select * from nope'));
    expect([e.code, e.errno, e.sqlState, e.message]).toEqual([
      'NOT_FOUND',
      1146,
      '42S02',
      "Table 'dbt.nope' doesn't exist",
    ]);
    const s = await failure(events(conn.stream('selec 1', { batchBytes: 100 })));
    expect([s.errno, s.sqlState]).toEqual([1064, '42000']);
    expect(conn.isClosed).toBe(false);
    expect((await conn.exec('select 1')).rows).toEqual([['1']]);
  });

  it('runs CALLs: one result set is the result, several fail 1235 after being read, streams carry every result', async () => {
    expect((await conn.exec('call one()')).rows).toEqual([['1', 'x']]);
    const dml = await conn.exec('call dml()');
    expect([dml.fields, dml.affectedRows]).toEqual([[], 1]);
    const two = await failure(conn.exec('call two()'));
    expect([two.errno, two.sqlState]).toEqual([1235, '42000']);
    expect((await conn.exec('select 2')).rows).toEqual([['2']]);
    const evs = await events(conn.stream('call two()', { batchBytes: 1000 }));
    expect(
      evs.map((e) => (e.kind === 'fields' ? e.fields.map((f) => f.name) : e.kind === 'rows' ? e.rows : e.kind)),
    ).toEqual([['a'], [['1']], 'ok', ['b'], [['2']], 'ok', 'ok']);
    expect(evs[6]).toMatchObject({ kind: 'ok', affectedRows: 0 });
  });

  it('streams in batches and stops reading mysqld while the consumer is behind', async () => {
    const c = await DbConn.connect(params);
    try {
      const it = c
        .stream("select seq, repeat('x', 1000) from seq_1_to_30000", { batchBytes: 16 * 1024 })
        [Symbol.asyncIterator]();
      expect((await it.next()).value).toMatchObject({ kind: 'fields' });
      await sleep(300);
      const held = c.bytesReceived;
      await sleep(200);
      // Four queued batches of ~16 KiB plus the read buffer: far below the 30 MB result.
      expect(c.bytesReceived).toBe(held);
      expect(held).toBeLessThan(512 * 1024);
      let rows = 0;
      let batches = 0;
      for (;;) {
        const r = await it.next();
        if (r.done) break;
        if (r.value.kind === 'rows') {
          rows += r.value.rows.length;
          batches++;
        }
      }
      expect(rows).toBe(30000);
      expect(batches).toBeGreaterThan(1000);
      expect(c.bytesReceived).toBeGreaterThan(30_000_000);
    } finally {
      c.close();
    }
  });

  it('kills a statement mid-stream with KILL QUERY on abort (1317/70100) and reuses the connection', async () => {
    const ac = new AbortController();
    const seen: ResultEvent[] = [];
    const t0 = Date.now();
    const e = await failure(
      (async () => {
        // Rows over mysqld's 16 KiB net buffer are sent as they are produced.
        for await (const ev of conn.stream("select seq, repeat('x', 20000), sleep(0.01) from seq_1_to_1000", {
          batchBytes: 1,
          signal: ac.signal,
          killer,
        })) {
          seen.push(ev);
          if (seen.length === 3) ac.abort();
        }
      })(),
    );
    expect([e.code, e.errno, e.sqlState]).toEqual(['DEADLINE_EXCEEDED', 1317, '70100']);
    expect(e.message).toMatch(
      /^Query execution was interrupted: context canceled, elapsed time: \d+ms, killed query ID \d+$/,
    );
    expect(Date.now() - t0).toBeLessThan(5000);
    expect(seen.filter((ev) => ev.kind === 'rows').length).toBeGreaterThanOrEqual(2);
    expect(conn.isClosed).toBe(false);
    expect((await conn.exec('select 3')).rows).toEqual([['3']]);
  });

  it('times exec out with KILL QUERY, and kills and drains a stream the consumer abandons', async () => {
    const t0 = Date.now();
    const e = await failure(conn.exec('select sleep(5)', { timeoutMs: 200, killer }));
    expect([e.errno, e.sqlState]).toEqual([1317, '70100']);
    expect(e.message).toContain('context deadline exceeded');
    expect(Date.now() - t0).toBeLessThan(3000);
    const t1 = Date.now();
    const slow = "select seq, repeat('x', 20000), sleep(0.01) from seq_1_to_1000";
    for await (const ev of conn.stream(slow, { batchBytes: 1, killer })) {
      if (ev.kind === 'rows') break;
    }
    expect(Date.now() - t1).toBeLessThan(5000);
    expect((await conn.exec('select 4')).rows).toEqual([['4']]);
  });

  it('refuses a second statement while one runs, and fails the running one UNAVAILABLE on close()', async () => {
    const c = await DbConn.connect(params);
    const running = c.exec('select sleep(5)');
    const busy = await failure(c.exec('select 1'));
    expect(busy.code).toBe('INTERNAL');
    c.close();
    const closed = await failure(running);
    expect(closed.code).toBe('UNAVAILABLE');
    expect(c.isClosed).toBe(true);
    expect((await failure(c.exec('select 1'))).code).toBe('UNAVAILABLE');
  });

  it('fails connects UNAVAILABLE (dead port, within connectTimeoutMs) and wrong passwords with 1045', async () => {
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const port = (silent.address() as net.AddressInfo).port;
    try {
      const t0 = Date.now();
      const e = await failure(DbConn.connect({ host: '127.0.0.1', port, user: 'root', connectTimeoutMs: 250 }));
      expect([e.code, e.errno]).toEqual(['UNAVAILABLE', 2002]);
      expect(Date.now() - t0).toBeLessThan(2000);
    } finally {
      silent.close();
    }
    const refused = await failure(DbConn.connect({ host: '127.0.0.1', port, user: 'root', connectTimeoutMs: 250 }));
    expect([refused.code, refused.errno]).toEqual(['UNAVAILABLE', 2002]);
    await admin.exec("create user 'u'@'localhost' identified by 'right'");
    const denied = await failure(DbConn.connect({ socketPath: mysqld.socketPath, user: 'u', password: 'wrong' }));
    expect([denied.code, denied.errno, denied.sqlState]).toEqual(['PERMISSION_DENIED', 1045, '28000']);
    const ok = await DbConn.connect({ socketPath: mysqld.socketPath, user: 'u', password: 'right' });
    expect(ok.threadId).toBeGreaterThan(0);
    ok.close();
  });

  it('fails UNAVAILABLE and reports isClosed when mysqld dies, idle or mid-statement', async () => {
    const idle = await DbConn.connect(params);
    const busy = await DbConn.connect(params);
    const running = failure(busy.exec('select sleep(10)'));
    await sleep(100);
    await mysqld.kill();
    try {
      const e = await running;
      expect([e.code, e.errno]).toEqual(['UNAVAILABLE', 2006]);
      expect(busy.isClosed).toBe(true);
      for (let i = 0; i < 100 && !idle.isClosed; i++) await sleep(10);
      expect(idle.isClosed).toBe(true);
      expect((await failure(idle.exec('select 1'))).code).toBe('UNAVAILABLE');
      const down = await failure(DbConn.connect(params));
      expect([down.code, down.errno]).toEqual(['UNAVAILABLE', 2002]);
    } finally {
      await mysqld.start();
    }
    const back = await DbConn.connect(params);
    expect((await back.exec('select 5')).rows).toEqual([['5']]);
    back.close();
  });
});
