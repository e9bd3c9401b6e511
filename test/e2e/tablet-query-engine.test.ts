import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testEnv } from '../../src/core/env/env.js';
import { VtError } from '../../src/core/errors/index.js';
import { bindVar } from '../../src/core/sql/index.js';
import { collectResults, MysqlType } from '../../src/core/sqltypes/index.js';
import type { ConnParams } from '../../src/core/tablet/db-conn.js';
import { QueryEngine } from '../../src/core/tablet/query-engine.js';
import { QueryRules } from '../../src/core/tablet/query-rules.js';
import { tabletConfig, type TabletConfig } from '../../src/core/tablet/tablet-config.js';
import { TabletMysqld } from '../support/tablet-mysqld.js';
import { failure } from '../support/failure.js';

let mysqld: TabletMysqld;
let qe: QueryEngine;
const engines: QueryEngine[] = [];

function newEngine(overrides: Partial<TabletConfig> = {}): QueryEngine {
  const root: ConnParams = { socketPath: mysqld.socketPath, user: 'root' };
  const e = new QueryEngine({
    env: testEnv(),
    config: tabletConfig({ txPoolTimeoutMs: 500, ...overrides }),
    app: { ...root, database: 'vt_test' },
    dba: root,
  });
  engines.push(e);
  return e;
}

beforeAll(async () => {
  mysqld = await TabletMysqld.create();
  qe = newEngine();
  await qe.open();
  await qe.execute({
    sql: 'create table t (id int primary key, v varchar(20), b varbinary(10), d decimal(20,5), big bigint unsigned)',
  });
  await qe.execute({ sql: 'create table big (id int primary key)' });
  await qe.execute({ sql: 'create table secret (id int primary key)' });
  const digits = Array.from({ length: 10 }, (_, i) => `select ${i} n`).join(' union all ');
  await qe.execute({
    sql: `insert into big (id) select a.n * 1000 + b.n * 100 + c.n * 10 + d.n + 1 from (${digits}) a, (${digits}) b, (${digits}) c, (${digits}) d`,
  });
  await qe.execute({ sql: 'insert into big (id) values (10001)' });
});

afterAll(async () => {
  for (const e of engines) await e.close().catch(() => undefined);
  await mysqld?.destroy();
});

describe('QueryEngine against a real mariadbd', () => {
  it('runs DML and selects outside transactions with exact values and real field metadata', async () => {
    const ins = await qe.execute({
      sql: 'insert into t (id, v, b, d, big) values (:id, :v, :b, :d, :big)',
      bindVars: {
        id: bindVar.int(1),
        v: bindVar.string("it's"),
        b: bindVar.bytes(Buffer.from([0, 1, 255])),
        d: bindVar.decimal('12345678901234.12345'),
        big: bindVar.uint(18446744073709551615n),
      },
    });
    expect(ins.affectedRows).toBe(1);
    const r = await qe.execute({ sql: 'select id, v, b, d, big, null as n from t where id = 1' });
    expect(r.rows).toEqual([
      ['1', "it's", Buffer.from([0, 1, 255]), '12345678901234.12345', '18446744073709551615', null],
    ]);
    expect(r.fields.map((f) => [f.name, f.type])).toEqual([
      ['id', MysqlType.LONG],
      ['v', MysqlType.VAR_STRING],
      ['b', MysqlType.VAR_STRING],
      ['d', MysqlType.NEWDECIMAL],
      ['big', MysqlType.LONGLONG],
      ['n', MysqlType.NULL],
    ]);
    expect(r.fields[0]).toMatchObject({ table: 't', orgTable: 't', database: 'vt_test', orgName: 'id' });
    expect(r.fields[3]!.decimals).toBe(5);
    const up = await qe.execute({ sql: "update t set v = 'x' where id = 1" });
    expect(up.affectedRows).toBe(1);
    expect(qe.vars().stats.queries['Insert']?.count).toBeGreaterThanOrEqual(1);
    expect(qe.vars().stats.queries['Select']?.count).toBeGreaterThanOrEqual(1);
  });

  it('returns every type as the exact text (or bytes) mysqld sent', async () => {
    const sql =
      'select 1e20 as dbl, 0.1 + 0.2e0 as dbl2, cast(1.5 as float) as f, 123456789012345678901234567890.5 as dec1, ' +
      "-128 as tiny, 18446744073709551615 as ubig, b'101' as bits, st_astext(point(1, 2)) as wkt, point(1, 2) as geom, " +
      "json_object('a', 1) as j, cast('2024-01-02 03:04:05.5' as datetime(1)) as dt, cast('10:00' as time) as tm, " +
      "year(now()) as y, 'ü€' as txt, x'00ff' as bin, null as n";
    const got = await qe.execute({ sql });
    const root = await mysqld.rootConnection();
    try {
      // Oracle: the raw bytes of the text protocol, from an independent connection.
      const [raw] = await root.query({ sql, rowsAsArray: true, typeCast: false });
      const want = (raw as (Buffer | null)[][])[0]!.map((v, i) => {
        if (v === null) return null;
        const binary = ['bits', 'geom', 'bin'].includes(got.fields[i]!.name);
        return binary ? v : v.toString('utf8');
      });
      expect(got.rows[0]).toEqual(want);
      expect(got.rows[0]![0]).toBe('1e20');
    } finally {
      await root.end();
    }
  });

  it('runs statements in transactions: rollback discards, commit keeps', async () => {
    const tx1 = await qe.begin();
    await qe.execute({ sql: "insert into t (id, v) values (2, 'a')", options: { transactionId: tx1 } });
    const inside = await qe.execute({ sql: 'select v from t where id = 2', options: { transactionId: tx1 } });
    expect(inside.rows).toEqual([['a']]);
    const outside = await qe.execute({ sql: 'select v from t where id = 2' });
    expect(outside.rows).toEqual([]);
    expect(await qe.rollback(tx1)).toBe(0);
    expect((await qe.execute({ sql: 'select v from t where id = 2' })).rows).toEqual([]);

    const be = await qe.beginExecute({ sql: "insert into t (id, v) values (3, 'b')" });
    expect(be.error).toBeUndefined();
    expect(be.transactionId).toBeGreaterThan(tx1);
    await qe.commit(be.transactionId);
    expect((await qe.execute({ sql: 'select v from t where id = 3' })).rows).toEqual([['b']]);

    const ended = await failure(qe.execute({ sql: 'select 1', options: { transactionId: be.transactionId } }));
    expect(ended.message).toBe(`transaction ${be.transactionId}: not found`);
    expect(ended.code).toBe('ABORTED');
    const s = qe.vars().stats.transactions;
    expect(s.begins).toBeGreaterThanOrEqual(2);
    expect(s.commits).toBeGreaterThanOrEqual(1);
    expect(s.rollbacks).toBeGreaterThanOrEqual(1);
  });

  it('caps results at 10000 rows unless the query has its own LIMIT; streaming is uncapped', async () => {
    const e = await failure(qe.execute({ sql: 'select * from big' }));
    expect(e.message).toBe('Row count exceeded 10000');
    expect(e.errno).toBe(1105);
    const five = await qe.execute({ sql: 'select * from big limit 5' });
    expect(five.rows).toHaveLength(5);
    const ok = await qe.execute({ sql: 'select * from big where id <= 10000' });
    expect(ok.rows).toHaveLength(10000);
    const [streamed] = await collectResults(qe.streamExecute({ sql: 'select * from big' }));
    expect(streamed!.rows).toHaveLength(10001);
    expect(streamed!.fields[0]!.name).toBe('id');
  });

  it('streams in batches, inside transactions too, and kills a stream the consumer abandons', async () => {
    const kinds: string[] = [];
    for await (const ev of qe.streamExecute({ sql: 'select id from big' })) kinds.push(ev.kind);
    expect(kinds[0]).toBe('fields');
    expect(kinds.filter((k) => k === 'rows').length).toBeGreaterThan(1);
    expect(kinds.at(-1)).toBe('ok');

    const tx = await qe.begin();
    await qe.execute({ sql: "insert into t (id, v) values (6, 'tx')", options: { transactionId: tx } });
    const [inTx] = await collectResults(
      qe.streamExecute({ sql: 'select v from t where id = 6', options: { transactionId: tx } }),
    );
    expect(inTx!.rows).toEqual([['tx']]);
    await qe.rollback(tx);

    // A 100M-row cross join: breaking after the first batch must kill it, not read it to the end.
    const started = Date.now();
    let batches = 0;
    for await (const ev of qe.streamExecute({ sql: 'select a.id, b.id from big a, big b' })) {
      if (ev.kind === 'rows' && ++batches === 2) break;
    }
    expect(Date.now() - started).toBeLessThan(3000);
    const root = await mysqld.rootConnection();
    try {
      const [rows] = await root.query(
        "select id from information_schema.processlist where info like 'select a.id, b.id%'",
      );
      expect(rows).toEqual([]);
    } finally {
      await root.end();
    }
    const ac = new AbortController();
    setTimeout(() => ac.abort(), 200);
    const aborted = await failure(
      collectResults(qe.streamExecute({ sql: 'select sleep(5)', options: { signal: ac.signal } })),
    );
    expect(aborted.errno).toBe(1317);
    expect(qe.vars().pools.stream.inUse).toBe(0);
    const [again] = await collectResults(qe.streamExecute({ sql: 'select 3' }));
    expect(again!.rows).toEqual([['3']]);
  });

  it('kills a query past its timeout with 1317/70100 and keeps the pool healthy', async () => {
    const openBefore = qe.vars().pools.query.open;
    const started = Date.now();
    const e = await failure(qe.execute({ sql: 'select sleep(5)', options: { queryTimeoutMs: 200 } }));
    const elapsed = Date.now() - started;
    expect(e.errno).toBe(1317);
    expect(e.sqlState).toBe('70100');
    expect(e.message).toMatch(/Query execution was interrupted.*context deadline exceeded/);
    expect(elapsed).toBeLessThan(1500);
    const root = await mysqld.rootConnection();
    try {
      const [rows] = await root.query(
        "select id from information_schema.processlist where info like 'select sleep(5)%'",
      );
      expect(rows).toEqual([]);
    } finally {
      await root.end();
    }
    expect(qe.vars().stats.kills).toBeGreaterThanOrEqual(1);
    // The killed statement's connection went back to the pool instead of being replaced.
    expect(qe.vars().pools.query).toMatchObject({ inUse: 0, open: Math.max(openBefore, 1) });
    expect((await qe.execute({ sql: 'select 2' })).rows).toEqual([['2']]);
    expect(qe.vars().stats.errors['DEADLINE_EXCEEDED']).toBeGreaterThanOrEqual(1);
  });

  it('fails the 21st concurrent transaction with 1203/42000 after the txpool timeout', async () => {
    const ids = await Promise.all(Array.from({ length: 20 }, () => qe.begin()));
    expect(new Set(ids).size).toBe(20);
    const started = Date.now();
    const e = await failure(qe.begin());
    const waited = Date.now() - started;
    expect(e.errno).toBe(1203);
    expect(e.sqlState).toBe('42000');
    expect(e.code).toBe('RESOURCE_EXHAUSTED');
    expect(e.message).toBe('transaction pool connection limit exceeded');
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(1500);
    expect(qe.vars().pools.transaction).toMatchObject({ capacity: 20, inUse: 20 });
    // Autocommit DML also needs a transaction-pool connection (Vitess caps writes by the transaction cap).
    const dml = await failure(qe.execute({ sql: "update t set v = 'y' where id = 1" }));
    expect(dml.errno).toBe(1203);
    expect((await qe.execute({ sql: 'select id from t where id = 1' })).rows).toEqual([['1']]);
    await Promise.all(ids.map((id) => qe.rollback(id)));
    expect(qe.vars().pools.transaction.inUse).toBe(0);
  });

  it('rolls back transactions past the transaction timeout and releases their locks', async () => {
    const short = newEngine({ txTimeoutMs: 500 });
    await short.open();
    const tx = await short.begin();
    await short.execute({ sql: "update t set v = 'locked' where id = 1", options: { transactionId: tx } });
    await sleep(1000);
    const e = await failure(short.execute({ sql: 'select 1', options: { transactionId: tx } }));
    expect(e.message).toMatch(new RegExp(`^transaction ${tx}: ended at \\S+ \\(exceeded timeout: 500ms\\)$`));
    expect(e.code).toBe('ABORTED');
    expect(short.vars().stats.transactions.killed).toBe(1);
    // The row lock is gone: another transaction updates the row at once (lock wait timeout is 5 s).
    const other = await qe.begin();
    const started = Date.now();
    await qe.execute({ sql: "update t set v = 'other' where id = 1", options: { transactionId: other } });
    expect(Date.now() - started).toBeLessThan(1000);
    await qe.rollback(other);
    expect((await qe.execute({ sql: 'select v from t where id = 1' })).rows).toEqual([['x']]);

    // A statement still running when its transaction times out fails with the same reason.
    const tx2 = await short.begin();
    const midStatement = await failure(short.execute({ sql: 'select sleep(3)', options: { transactionId: tx2 } }));
    expect(midStatement.message).toMatch(
      new RegExp(`^transaction ${tx2}: ended at \\S+ \\(exceeded timeout: 500ms\\)$`),
    );
    expect(short.vars().pools.transaction.inUse).toBe(0);
    await short.close();
  });

  it('consolidates identical concurrent selects and shares one frozen result', async () => {
    const before = qe.vars().stats.consolidations;
    const results = await Promise.all(Array.from({ length: 10 }, () => qe.execute({ sql: 'select sleep(0.3), 1' })));
    for (const r of results) expect(r.rows).toEqual([['0', '1']]);
    expect(qe.vars().stats.consolidations - before).toBeGreaterThanOrEqual(5);
    expect(Object.isFrozen(results[0]!.rows)).toBe(true);
  });

  it('denies queries by a rules file naming the rule', async () => {
    const file = path.join(mysqld.dir, 'rules.json');
    await writeFile(
      file,
      JSON.stringify([{ Name: 'r1', Description: 'no access to secret', TableNames: ['secret'], Action: 'FAIL' }]),
    );
    qe.setQueryRules(await QueryRules.load(file));
    try {
      const e = await failure(qe.execute({ sql: 'select * from secret' }));
      expect(e.message).toBe('disallowed due to rule: no access to secret');
      expect(e.code).toBe('INVALID_ARGUMENT');
      expect((await qe.execute({ sql: 'select id from t where id = 1' })).rows).toEqual([['1']]);
    } finally {
      qe.setQueryRules(QueryRules.empty());
    }
    expect((await qe.execute({ sql: 'select * from secret' })).rows).toEqual([]);
  });

  it('pins reserved connections with session settings, alone or with a transaction', async () => {
    const rid = await qe.reserve(['set @x = 42']);
    expect((await qe.execute({ sql: 'select @x', options: { reservedId: rid } })).rows).toEqual([['42']]);
    const unpinned = await failure(qe.execute({ sql: 'set @y = 1' }));
    expect(unpinned.code).toBe('FAILED_PRECONDITION');
    expect((await failure(qe.execute({ sql: "select get_lock('l', 0)" }))).code).toBe('FAILED_PRECONDITION');
    expect((await qe.execute({ sql: "select get_lock('l', 0)", options: { reservedId: rid } })).rows).toEqual([['1']]);
    const tx = await qe.begin({ reservedId: rid });
    expect(tx).toBe(rid);
    await qe.execute({ sql: "insert into t (id, v) values (4, 'r')", options: { transactionId: tx, reservedId: rid } });
    const ddl = await failure(qe.execute({ sql: 'create table nope (id int)', options: { transactionId: tx } }));
    expect(ddl.message).toBe('DDL statement executed inside a transaction');
    expect(await qe.commit(tx)).toBe(rid);
    expect((await qe.execute({ sql: 'select @x', options: { reservedId: rid } })).rows).toEqual([['42']]);
    await qe.release(rid);
    expect((await failure(qe.execute({ sql: 'select 1', options: { reservedId: rid } }))).message).toMatch(/not found/);

    const rbe = await qe.reserveBeginExecute(['set @z = 7'], { sql: 'select @z' });
    expect(rbe.result?.rows).toEqual([['7']]);
    expect(rbe.transactionId).toBe(rbe.reservedId);
    expect(await qe.rollback(rbe.transactionId)).toBe(rbe.reservedId);
    await qe.release(rbe.reservedId);
    expect(qe.vars().reservedConnections).toBe(0);
  });

  it('fails fast with UNAVAILABLE while mysqld is down and recovers when it is back', async () => {
    // Statements in flight when mysqld dies fail too (a stream must not wait forever for its end).
    const inFlightExec = failure(qe.execute({ sql: 'select sleep(20)', options: { skipConsolidator: true } }));
    const inFlightStream = failure(collectResults(qe.streamExecute({ sql: 'select sleep(20) from big limit 1' })));
    await sleep(200);
    const killedAt = Date.now();
    await mysqld.kill();
    expect((await inFlightExec).code).toBe('UNAVAILABLE');
    expect((await inFlightStream).code).toBe('UNAVAILABLE');
    expect(Date.now() - killedAt).toBeLessThan(2000);
    const started = Date.now();
    const e = await failure(qe.execute({ sql: 'select id from t where id = 1' }));
    expect(e.code).toBe('UNAVAILABLE');
    expect(Date.now() - started).toBeLessThan(2000);
    await mysqld.start();
    expect((await qe.execute({ sql: 'select id from t where id = 1' })).rows).toEqual([['1']]);
    const tx = await qe.begin();
    await qe.rollback(tx);
    const e2 = await failure(qe.execute({ sql: 'select sleep(5)', options: { queryTimeoutMs: 100 } }));
    expect(e2.errno).toBe(1317);
  });

  it('releases reserved connections idle past the idle timeout', async () => {
    const idle = newEngine({ idleTimeoutMs: 300 });
    await idle.open();
    const rid = await idle.reserve(['set @a = 1']);
    await sleep(900);
    const e = await failure(idle.execute({ sql: 'select @a', options: { reservedId: rid } }));
    expect(e.message).toMatch(new RegExp(`^transaction ${rid}: ended at \\S+ \\(exceeded idle timeout: 300ms\\)$`));
    expect(idle.vars().stats.reserved.killed).toBe(1);
    expect(idle.vars().pools.transaction.inUse).toBe(0);
    await idle.close();
  });

  it('close() kills statements still running after the grace period', async () => {
    const e = newEngine({ shutdownGracePeriodMs: 200 });
    await e.open();
    const running = e.execute({ sql: 'select sleep(10) from dual' }).catch((err: unknown) => err);
    await sleep(100);
    const started = Date.now();
    await e.close();
    const err = await running;
    expect(Date.now() - started).toBeLessThan(2000);
    expect(err).toBeInstanceOf(VtError);
  });

  it('stops serving on close: new calls fail with UNAVAILABLE, open transactions are rolled back', async () => {
    const e = newEngine();
    await e.open();
    const tx = await e.begin();
    await e.execute({ sql: "insert into t (id, v) values (5, 'gone')", options: { transactionId: tx } });
    await e.close();
    expect(e.serving).toBe(false);
    expect((await failure(e.execute({ sql: 'select 1' }))).code).toBe('UNAVAILABLE');
    expect((await qe.execute({ sql: 'select v from t where id = 5' })).rows).toEqual([]);
  });
});
