import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { fileURLToPath } from 'node:url';
import mysql from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initShardPrimary } from '../../src/core/ctl/init-shard-primary.js';
import { Gate } from '../../src/core/gate/gate.js';
import { defaultDbConfigs, type Mysqld } from '../../src/core/mysqlctl/index.js';
import { AuthServerNone } from '../../src/core/protocol/index.js';
import { tabletConfig } from '../../src/core/tablet/tablet-config.js';
import { TabletServer } from '../../src/core/tablet/tablet-server.js';
import { startMysqlds, freePorts, type StartedMysqlds } from '../support/mysqld.js';
import { selfSignedCert } from '../support/protocol-fixture.js';
import { TabletCluster } from '../support/tablet-cluster.js';
import { runVt } from '../support/run-vt.js';

/**
 * `vt gate` end to end. Keyspace `commerce` (unsharded): tablet 0 (uid 100, in-process) is the primary, tablet 1
 * (uid 101) a real `vt tablet` process replica (so it can be SIGKILLed). Keyspace `customer`: shards -80 and 80-,
 * one in-process primary each (uids 200, 201) over their own mariadbds, same local topology. The gate runs in this
 * process on free ports; one test starts `node bin/dev.js gate` with a static auth file.
 */

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
let cluster: TabletCluster;
let customerDbs: StartedMysqlds;
const customerTablets: TabletServer[] = [];
let gate: Gate;
const conns: mysql.Connection[] = [];

async function connect(database?: string, extra: mysql.ConnectionOptions = {}): Promise<mysql.Connection> {
  const c = await mysql.createConnection({
    host: '127.0.0.1',
    port: gate.mysqlAddress.port,
    user: 'app',
    password: 'x',
    ...(database === undefined ? {} : { database }),
    ...extra,
  });
  conns.push(c);
  return c;
}

async function mysqlError(p: Promise<unknown>): Promise<{ errno: number; sqlState: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { errno?: number; sqlState?: string; message: string };
    return { errno: err.errno ?? -1, sqlState: err.sqlState ?? '', message: err.message };
  }
  throw new Error('expected the query to fail');
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(50);
  }
}

/** An in-process tablet of keyspace customer over `m` (RPC and HTTP on free ports). */
function customerTablet(m: Mysqld, shard: string, type: 'replica' | 'primary'): TabletServer {
  return new TabletServer({
    env: cluster.env,
    topo: cluster.topo,
    alias: { cell: 'zone1', uid: m.uid },
    keyspace: 'customer',
    shard,
    initTabletType: type,
    hostname: '127.0.0.1',
    bindAddress: '127.0.0.1',
    httpPort: 0,
    grpcPort: 0,
    mysqlHost: '127.0.0.1',
    mysqlPort: m.port,
    mysqlSocket: m.paths.socket,
    dbConfigs: defaultDbConfigs(),
    // Short idle timeout: the tablet drops idle reserved connections quickly (see the re-reserve test).
    config: tabletConfig({ idleTimeoutMs: 1500 }),
    healthIntervalMs: 500,
  });
}

beforeAll(async () => {
  const [c, dbs] = await Promise.all([
    TabletCluster.start({
      count: 2,
      keyspace: 'commerce',
      shard: '0',
      processes: [1],
      processFlags: { 1: ['--health-check-interval', '500ms'] },
    }),
    startMysqlds(2, { baseUid: 200 }),
  ]);
  cluster = c;
  customerDbs = dbs;
  const shards = ['-80', '80-'];
  for (const [i, m] of dbs.instances.entries()) {
    const server = customerTablet(m, shards[i]!, 'replica');
    await server.start();
    customerTablets.push(server);
  }
  await Promise.all([
    initShardPrimary(cluster.topo, 'commerce/0', cluster.tablets[0]!.alias),
    initShardPrimary(cluster.topo, 'customer/-80', customerTablets[0]!.alias),
    initShardPrimary(cluster.topo, 'customer/80-', customerTablets[1]!.alias),
  ]);
  gate = await Gate.start({
    env: cluster.env,
    topo: cluster.topo,
    cell: 'zone1',
    authServer: new AuthServerNone(),
    mysqlPort: 0,
    mysqlBindAddress: '127.0.0.1',
    httpPort: 0,
    serverVersion: '8.0.40-vt',
    tabletTypesToWait: ['PRIMARY', 'REPLICA'],
    refreshMs: 500,
    healthRetryMs: 200,
  });
  // Every tablet serving in the gate's health table before the tests start.
  await until('4 serving tablets', async () =>
    gate.healthCheck.all().filter((t) => t.serving).length === 4 ? true : undefined,
  );
}, 140_000);

afterAll(async () => {
  for (const c of conns) await c.end().catch(() => undefined);
  await gate?.close();
  await Promise.allSettled(customerTablets.map((t) => t.stop()));
  await customerDbs?.stopAll();
  await cluster?.stop();
}, 60_000);

describe('vt gate: unsharded keyspace through mysql2', () => {
  it('creates a table, inserts, selects, updates and deletes with MySQL counters', async () => {
    const c = await connect('commerce');
    await c.query('create table product (id bigint auto_increment primary key, sku varchar(32) unique, price int)');
    const [ins] = await c.query<mysql.ResultSetHeader>("insert into product (sku, price) values ('a', 10), ('b', 20)");
    expect(ins.affectedRows).toBe(2);
    expect(ins.insertId).toBe(1);
    const [one] = await c.query<mysql.ResultSetHeader>("insert into product (sku, price) values ('c', 30)");
    expect(one.insertId).toBe(3);
    const [lid] = await c.query<mysql.RowDataPacket[]>('select last_insert_id() as id');
    expect(lid[0]!['id']).toBe(3);
    const [rows, fields] = await c.query<mysql.RowDataPacket[]>('select id, sku, price from product order by id');
    expect(rows.map((r) => [r['id'], r['sku'], r['price']])).toEqual([
      [1, 'a', 10],
      [2, 'b', 20],
      [3, 'c', 30],
    ]);
    expect(fields.map((f) => f.name)).toEqual(['id', 'sku', 'price']);
    const [up] = await c.query<mysql.ResultSetHeader>('update product set price = price + 1 where price >= 20');
    expect(up.affectedRows).toBe(2);
    const [del] = await c.query<mysql.ResultSetHeader>("delete from product where sku = 'c'");
    expect(del.affectedRows).toBe(1);
    const [after] = await c.query<mysql.RowDataPacket[]>('select sum(price) s from commerce.product');
    expect(Number(after[0]!['s'])).toBe(31);
  });

  it("counts UPDATE's affected rows as matched or changed rows by the client's CLIENT_FOUND_ROWS flag", async () => {
    const found = await connect('commerce'); // mysql2 sets FOUND_ROWS by default
    const changed = await connect('commerce', { flags: ['-FOUND_ROWS'] });
    await found.query('create table found_rows_t (id int primary key, v int)');
    await found.query('insert into found_rows_t values (1, 5), (2, 5), (3, 7)');
    const unchanged = 'update found_rows_t set v = 5 where id in (1, 2)';
    const [a] = await found.query<mysql.ResultSetHeader>(unchanged);
    expect(a.affectedRows).toBe(2); // matched
    const [b] = await changed.query<mysql.ResultSetHeader>(unchanged);
    expect(b.affectedRows).toBe(0); // changed, as MySQL tells a client without the flag
    expect(b.info).toMatch(/Rows matched: 2 {2}Changed: 0/);
    const [c] = await changed.query<mysql.ResultSetHeader>('update found_rows_t set v = 7 where id in (2, 3)');
    expect(c.affectedRows).toBe(1);
    // The same inside transactions (their connections come from the matching pool) and on reserved connections.
    for (const [conn, want] of [
      [found, 2],
      [changed, 0],
    ] as const) {
      await conn.query('begin');
      const [t] = await conn.query<mysql.ResultSetHeader>(unchanged);
      expect(t.affectedRows).toBe(want === 2 ? 2 : 1); // both match; only id 2 (now 7) changes
      await conn.query('rollback');
      await conn.query("set sql_mode = 'STRICT_ALL_TABLES'");
      const [r] = await conn.query<mysql.ResultSetHeader>('update found_rows_t set v = v where id = 3');
      expect(r.affectedRows).toBe(want === 2 ? 1 : 0);
    }
  });

  it('keeps MySQL error codes: duplicate key, unknown table, syntax, unknown database, no database', async () => {
    const c = await connect('commerce');
    const dup = await mysqlError(c.query("insert into product (sku, price) values ('a', 1)"));
    expect([dup.errno, dup.sqlState]).toEqual([1062, '23000']);
    const missing = await mysqlError(c.query('select * from no_such_table'));
    expect([missing.errno, missing.sqlState]).toEqual([1146, '42S02']);
    const syntax = await mysqlError(c.query('selec 1'));
    expect([syntax.errno, syntax.sqlState]).toEqual([1064, '42000']);
    const badDb = await mysqlError(c.query('use nosuchdb'));
    expect([badDb.errno, badDb.sqlState, badDb.message]).toEqual([1049, '42000', "Unknown database 'nosuchdb'"]);
    const badConnect = await mysqlError(connect('nosuchdb'));
    expect(badConnect.errno).toBe(1049);
    const nodb = await connect();
    const noDb = await mysqlError(nodb.query('select * from product'));
    expect([noDb.errno, noDb.sqlState]).toEqual([1046, '3D000']);
    // A qualified name needs no database; a table-less select goes to any keyspace.
    const [q] = await nodb.query<mysql.RowDataPacket[]>('select count(*) n from commerce.product');
    expect(Number(q[0]!['n'])).toBe(2);
    const [one] = await nodb.query<mysql.RowDataPacket[]>('select 1 + 1 as two');
    expect(one[0]!['two']).toBe(2);
  });

  it('commits and rolls back transactions, with savepoints and autocommit off', async () => {
    const c = await connect('commerce');
    const other = await connect('commerce');
    await c.query('begin');
    await c.query("insert into product (sku, price) values ('tx1', 1)");
    const [invisible] = await other.query<mysql.RowDataPacket[]>("select count(*) n from product where sku = 'tx1'");
    expect(Number(invisible[0]!['n'])).toBe(0);
    await c.query('commit');
    const [visible] = await other.query<mysql.RowDataPacket[]>("select count(*) n from product where sku = 'tx1'");
    expect(Number(visible[0]!['n'])).toBe(1);

    await c.query('start transaction');
    await c.query("insert into product (sku, price) values ('tx2', 1)");
    await c.query('savepoint s1');
    await c.query("insert into product (sku, price) values ('tx3', 1)");
    await c.query('savepoint s2');
    await c.query('release savepoint s2');
    await c.query('rollback to savepoint s1');
    const [inTx] = await c.query<mysql.RowDataPacket[]>("select sku from product where sku like 'tx%' order by sku");
    expect(inTx.map((r) => r['sku'])).toEqual(['tx1', 'tx2']);
    await c.query('rollback');
    const [rolled] = await other.query<mysql.RowDataPacket[]>(
      "select sku from product where sku like 'tx%' order by sku",
    );
    expect(rolled.map((r) => r['sku'])).toEqual(['tx1']);

    await c.query('set autocommit = 0');
    await c.query("insert into product (sku, price) values ('tx4', 1)");
    const [auto0] = await other.query<mysql.RowDataPacket[]>("select count(*) n from product where sku = 'tx4'");
    expect(Number(auto0[0]!['n'])).toBe(0);
    await c.query('rollback');
    await c.query('set autocommit = 1');
    const [gone] = await other.query<mysql.RowDataPacket[]>("select count(*) n from product where sku = 'tx4'");
    expect(Number(gone[0]!['n'])).toBe(0);

    // A savepoint taken before the transaction touched a shard is replayed there after BEGIN.
    await c.query('begin');
    await c.query('savepoint early');
    await c.query("insert into product (sku, price) values ('tx7', 1)");
    await c.query('rollback to savepoint early');
    await c.query('commit');
    const [early] = await other.query<mysql.RowDataPacket[]>("select count(*) n from product where sku = 'tx7'");
    expect(Number(early[0]!['n'])).toBe(0);
    const noSp = await mysqlError(c.query('rollback to savepoint early'));
    expect([noSp.errno, noSp.sqlState]).toEqual([1305, '42000']);

    // DDL commits the open transaction first, as in MySQL.
    await c.query('begin');
    await c.query("insert into product (sku, price) values ('tx6', 1)");
    await c.query('create table if not exists ddl_commit (id int primary key)');
    await c.query('rollback');
    const [kept] = await other.query<mysql.RowDataPacket[]>("select count(*) n from product where sku = 'tx6'");
    expect(Number(kept[0]!['n'])).toBe(1);

    // Closing a connection with an open transaction rolls it back.
    const quitter = await connect('commerce');
    await quitter.query('begin');
    await quitter.query("insert into product (sku, price) values ('tx5', 1)");
    await quitter.end();
    await until('rollback on close', async () => {
      const [r] = await other.query<mysql.RowDataPacket[]>(
        "select count(*) n from product where sku = 'tx5' for update",
      );
      return Number(r[0]!['n']) === 0 ? true : undefined;
    });
  });

  it('applies SET sql_mode on a reserved tablet connection; user variables stay in the gate', async () => {
    const c = await connect('commerce');
    const [before] = await c.query<mysql.RowDataPacket[]>('select @@sql_mode m');
    expect(String(before[0]!['m'])).toContain('STRICT_TRANS_TABLES');
    await c.query("set sql_mode = 'ANSI_QUOTES'");
    const [after] = await c.query<mysql.RowDataPacket[]>('select @@sql_mode m');
    expect(after[0]!['m']).toBe('ANSI_QUOTES');
    // ANSI_QUOTES really is active where the statements run: "sku" is a column, not a string.
    const [ansi] = await c.query<mysql.RowDataPacket[]>('select "sku" as v from product order by id limit 1');
    expect(ansi[0]!['v']).toBe('a');
    const other = await connect('commerce');
    const [unaffected] = await other.query<mysql.RowDataPacket[]>('select @@sql_mode m');
    expect(String(unaffected[0]!['m'])).toContain('STRICT_TRANS_TABLES');
    const bad = await mysqlError(c.query("set sql_mode = 'NO_SUCH_MODE'"));
    expect(bad.errno).toBe(1231);

    await c.query('set names utf8mb4');
    await c.query("set @price = 20, @name = 'b'");
    const [uv] = await c.query<mysql.RowDataPacket[]>(
      'select sku from product where price > @price or sku = @name order by sku',
    );
    expect(uv.map((r) => r['sku'])).toEqual(['b']);
    const [bare] = await c.query<mysql.RowDataPacket[]>('select @name');
    expect(bare[0]!['@name']).toBe('b');
    await c.query('set @doubled = @price * 2');
    const [d] = await c.query<mysql.RowDataPacket[]>('select @doubled as d');
    expect(Number(d[0]!['d'])).toBe(40);

    // A transaction on the reserved connection keeps its settings after COMMIT.
    await c.query('begin');
    await c.query("insert into product (sku, price) values ('ansi', 1)");
    await c.query('commit');
    const [mode] = await c.query<mysql.RowDataPacket[]>('select @@sql_mode m');
    expect(mode[0]!['m']).toBe('ANSI_QUOTES');
    await c.query("delete from product where sku = 'ansi'");

    // SHOW WARNINGS: the tablet connection's own warnings when pinned, the gate's (none) otherwise.
    await c.query("select cast('12abc' as signed) v");
    const [w] = await c.query<mysql.RowDataPacket[]>('show warnings');
    expect(w.map((r) => r['Code'])).toEqual([1292]);
    const [none] = await other.query<mysql.RowDataPacket[]>('show warnings');
    expect(none).toEqual([]);
    const global = await mysqlError(c.query('set global max_connections = 10'));
    expect(global.errno).toBe(1235);
  });

  it('runs multi-statement queries as consecutive results', async () => {
    const c = await connect('commerce', { multipleStatements: true });
    const [results] = await c.query<mysql.RowDataPacket[][]>(
      "select 1 as a; select sku from product where sku = 'a'; select database() as db",
    );
    expect(results.map((r) => r.map((row) => Object.values(row)[0]))).toEqual([[1], ['a'], ['commerce']]);
  });

  it('applies sql_select_limit, streams in the OLAP workload and enforces QUERY_TIMEOUT_MS', async () => {
    const c = await connect('commerce');
    await c.query('set sql_select_limit = 1');
    const [limited] = await c.query<mysql.RowDataPacket[]>('select sku from product order by id');
    expect(limited.map((r) => r['sku'])).toEqual(['a']);
    await c.query('set sql_select_limit = default');
    const [all] = await c.query<mysql.RowDataPacket[]>('select sku from product order by id');
    expect(all.length).toBeGreaterThan(1);
    // A session without a reserved connection streams its reads (StreamExecute) in the OLAP workload.
    const olap = await connect('commerce');
    await olap.query("set workload = 'olap'");
    const [streamed] = await olap.query<mysql.RowDataPacket[]>(
      "select sku from product where sku in ('a', 'b') order by id",
    );
    expect(streamed.map((r) => r['sku'])).toEqual(['a', 'b']);
    const bad = await mysqlError(olap.query("set workload = 'nope'"));
    expect([bad.errno, bad.sqlState]).toEqual([1231, '42000']);
    const started = Date.now();
    const slow = await mysqlError(c.query('select /*vt+ QUERY_TIMEOUT_MS=200 */ sleep(3) from dual'));
    expect(slow.errno).toBe(1317);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('answers @@version, DATABASE(), CONNECTION_ID() and Vitess SHOWs in the gate', async () => {
    const c = await connect('commerce');
    const [v] = await c.query<mysql.RowDataPacket[]>('select @@version v, @@version_comment vc, database() db');
    expect(v[0]).toMatchObject({ v: '8.0.40-vt', db: 'commerce' });
    const [cid] = await c.query<mysql.RowDataPacket[]>('select connection_id() id');
    expect(cid[0]!['id']).toBe(c.threadId);
    const [dbs] = await c.query<mysql.RowDataPacket[]>('show databases');
    expect(dbs.map((r) => r['Database'])).toEqual(['commerce', 'customer']);
    const [shards] = await c.query<mysql.RowDataPacket[]>('show vitess_shards');
    expect(shards.map((r) => r['Shards'])).toEqual(['commerce/0', 'customer/-80', 'customer/80-']);
    const [tablets, tf] = await c.query<mysql.RowDataPacket[]>('show vitess_tablets');
    expect(tf.map((f) => f.name)).toEqual([
      'Cell',
      'Keyspace',
      'Shard',
      'TabletType',
      'State',
      'Alias',
      'Hostname',
      'PrimaryTermStartTime',
    ]);
    expect(tablets.map((r) => [r['Keyspace'], r['Shard'], r['TabletType'], r['State'], r['Alias']])).toEqual([
      ['commerce', '0', 'PRIMARY', 'SERVING', 'zone1-0000000100'],
      ['commerce', '0', 'REPLICA', 'SERVING', 'zone1-0000000101'],
      ['customer', '-80', 'PRIMARY', 'SERVING', 'zone1-0000000200'],
      ['customer', '80-', 'PRIMARY', 'SERVING', 'zone1-0000000201'],
    ]);
    expect(tablets[0]!['PrimaryTermStartTime']).toMatch(/^\d{4}-/);
    const [tables, tablesFields] = await c.query<mysql.RowDataPacket[]>('show tables');
    expect(tablesFields[0]!.name).toBe('Tables_in_commerce');
    expect(tables.map((r) => r['Tables_in_commerce'])).toContain('product');
    const [create] = await c.query<mysql.RowDataPacket[]>('show create table commerce.product');
    expect(String(create[0]!['Create Table'])).toContain('CREATE TABLE `product`');
    const [cols] = await c.query<mysql.RowDataPacket[]>('show columns from product');
    expect(cols.map((r) => r['Field'])).toEqual(['id', 'sku', 'price']);
    const [target] = await c.query<mysql.RowDataPacket[]>('show vitess_target');
    expect(target[0]!['Target']).toBe('commerce');
    const [keyspaces] = await c.query<mysql.RowDataPacket[]>("show keyspaces like 'comm%'");
    expect(keyspaces.map((r) => r['Database'])).toEqual(['commerce']);
    const [vtables] = await c.query<mysql.RowDataPacket[]>('show vschema tables');
    expect(vtables.map((r) => r['Tables'])).toEqual(['dual']); // commerce has no VSchema tables
    const [status] = await c.query<mysql.RowDataPacket[]>("show table status like 'product'");
    expect(status.map((r) => r['Name'])).toEqual(['product']);
  });

  it('runs prepared statements with parameters', async () => {
    const c = await connect('commerce');
    const [rows] = await c.execute<mysql.RowDataPacket[]>(
      'select id, sku, price from product where price > ? and sku <> ? order by id',
      [5, 'zzz'],
    );
    expect(rows.map((r) => r['sku'])).toEqual(['a', 'b']);
    const [ins] = await c.execute<mysql.ResultSetHeader>('insert into product (sku, price) values (?, ?)', ['ps1', 7]);
    expect(ins.affectedRows).toBe(1);
    const [back] = await c.execute<mysql.RowDataPacket[]>('select price from product where sku = ?', ['ps1']);
    expect(back[0]!['price']).toBe(7);
    // Result columns are known at prepare time (libmysqlclient-based clients such as sysbench need them).
    const stmt = await c.prepare('select id, sku from product where id = ? limit ?');
    const info = (stmt as unknown as { statement: { columns: { name: string }[]; parameters: unknown[] } }).statement;
    expect(info.columns.map((f) => f.name)).toEqual(['id', 'sku']);
    expect(info.parameters).toHaveLength(2);
    await stmt.close();
    const [nul] = await c.execute<mysql.RowDataPacket[]>('select count(*) n from product where sku = ?', [null]);
    expect(Number(nul[0]!['n'])).toBe(0);
  });
});

describe('vt gate: replicas, shard targeting and health', () => {
  it('reads from the replica with @replica after replication', async () => {
    const c = await connect('commerce@replica');
    const rows = await until('replicated rows', async () => {
      const [r] = await c.query<mysql.RowDataPacket[]>("select sku from product where sku = 'ps1'");
      return r.length === 1 ? r : undefined;
    });
    expect(rows[0]!['sku']).toBe('ps1');
    const [host] = await c.query<mysql.RowDataPacket[]>('select @@server_id id');
    expect(host[0]!['id']).toBe(101);
    const [target] = await c.query<mysql.RowDataPacket[]>('show vitess_target');
    expect(target[0]!['Target']).toBe('commerce@replica');
    const ro = await mysqlError(c.query("insert into product (sku, price) values ('r', 1)"));
    expect(ro.errno).toBe(1290); // read-only replica
  });

  it('refuses a sharded keyspace without a shard target and routes USE customer:-80', async () => {
    const c = await connect('customer');
    const refused = await mysqlError(c.query('select 1 from dual where 1 = 0 union select 2'));
    expect(refused.errno).toBe(1235);
    const refusedTable = await mysqlError(c.query('create table t (id int)'));
    expect([refusedTable.errno, refusedTable.sqlState]).toEqual([1235, '42000']);
    expect(refusedTable.message).toContain('not supported yet (sharded routing lands with the planner)');
    await c.query('use customer:-80');
    await c.query('create table corder (id int primary key, who varchar(10))');
    await c.query("insert into corder values (1, 'low')");
    await c.query('use `customer:80-`');
    await c.query('create table corder (id int primary key, who varchar(10))');
    await c.query("insert into corder values (2, 'high')");
    const [high] = await c.query<mysql.RowDataPacket[]>('select id, who, @@server_id sid from corder');
    expect(high.map((r) => [r['id'], r['who'], r['sid']])).toEqual([[2, 'high', 201]]);
    const low = await connect('customer:-80');
    const [lowRows] = await low.query<mysql.RowDataPacket[]>('select id, who, @@server_id sid from corder');
    expect(lowRows.map((r) => [r['id'], r['who'], r['sid']])).toEqual([[1, 'low', 200]]);
    // A transaction stays on one shard.
    await c.query('begin');
    await c.query("insert into corder values (3, 'high')");
    await c.query('use customer:-80');
    const second = await mysqlError(c.query('select * from corder'));
    expect(second.message).toContain('multi-shard');
    await c.query('rollback');
    const noReplica = await connect('customer:-80@replica');
    const unavailable = await mysqlError(noReplica.query('select 1 from corder'));
    expect([unavailable.errno, unavailable.sqlState]).toEqual([1105, 'HY000']);
    expect(unavailable.message).toContain('target: customer.-80.replica: no healthy tablet available');
  });

  it('re-reserves a reserved connection the tablet dropped, replaying the session settings', async () => {
    const c = await connect('customer:-80');
    await c.query("set sql_mode = 'ANSI_QUOTES'");
    const [before] = await c.query<mysql.RowDataPacket[]>('select @@sql_mode m, connection_id() id from dual');
    expect(before[0]!['m']).toBe('ANSI_QUOTES');
    await sleep(3500); // > the tablet's 1.5 s idle timeout (plus its killer period)
    const [after] = await c.query<mysql.RowDataPacket[]>('select @@sql_mode m, connection_id() id from dual');
    expect(after[0]!['m']).toBe('ANSI_QUOTES');
    expect(after[0]!['id']).not.toBe(before[0]!['id']);
    // Same when the next statement begins a transaction on the dropped connection.
    await sleep(3500);
    await c.query('begin');
    const [inTx] = await c.query<mysql.RowDataPacket[]>('select @@sql_mode m, connection_id() id from dual');
    await c.query('commit');
    expect(inTx[0]!['m']).toBe('ANSI_QUOTES');
    expect(inTx[0]!['id']).not.toBe(after[0]!['id']);
    // Closing the client connection releases the reserved connection on the tablet.
    const engine = customerTablets[0]!.engine;
    expect(engine.vars().reservedConnections).toBeGreaterThan(0);
    await c.end();
    await until('reserved connection released', async () =>
      engine.vars().reservedConnections === 0 ? true : undefined,
    );
  });

  it('serves the HTTP debug pages', async () => {
    const base = `http://127.0.0.1:${gate.httpAddress!.port}`;
    expect(await (await fetch(`${base}/healthz`)).text()).toBe('ok\n');
    const vars = (await (await fetch(`${base}/debug/vars`)).json()) as Record<string, unknown>;
    expect(vars['queriesTotal']).toBeGreaterThan(10);
    expect(Object.keys(vars['queries'] as object).some((k) => k.startsWith('insert|commerce|0'))).toBe(true);
    const plans = (await (await fetch(`${base}/debug/query_plans`)).json()) as { query: string; execCount: number }[];
    expect(plans.some((p) => p.query.includes('from product') && p.execCount >= 1)).toBe(true);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/vtgate_queries_total\{kind="insert",keyspace="commerce",shard="0"\} \d+/);
    const status = await (await fetch(`${base}/debug/status`)).text();
    expect(status).toContain('zone1-0000000101');
  });

  it('round-trips through the mariadb CLI', async () => {
    const out = await new Promise<string>((resolve, reject) => {
      execFile(
        'mariadb',
        [
          '-h',
          '127.0.0.1',
          '-P',
          String(gate.mysqlAddress.port),
          '-u',
          'app',
          '-px',
          '-D',
          'commerce',
          '--batch',
          '-e',
          // The UPDATE's OK carries an info string ("Rows matched: ..."), which libmariadb must parse.
          'update product set sku = sku where id = 1; select sku from product where id = 1; select @@version_comment',
        ],
        { timeout: 20_000 },
        (err, stdout, stderr) => (err ? reject(new Error(`${err.message}: ${stderr}`)) : resolve(stdout)),
      );
    });
    expect(out.split('\n')).toEqual(['sku', 'a', '@@version_comment', expect.stringContaining('vt'), '']);
  });

  it('stops routing to a killed replica within 2 s', async () => {
    const c = await connect('commerce@replica');
    await c.query('select 1 from product limit 1');
    const proc = cluster.tablets[1]!.proc!;
    const killedAt = Date.now();
    proc.kill('SIGKILL');
    await until(
      'replica marked not serving',
      async () =>
        gate.healthCheck.healthy({ keyspace: 'commerce', shard: '0', tabletType: 'replica' }).length === 0
          ? true
          : undefined,
      2000,
    );
    expect(Date.now() - killedAt).toBeLessThan(2000);
    const e = await mysqlError(c.query('select 1 from product limit 1'));
    expect(e.errno).toBe(1105);
    expect(e.message).toContain('no healthy tablet available');
    // Primary traffic is unaffected.
    const p = await connect('commerce');
    const [r] = await p.query<mysql.RowDataPacket[]>('select count(*) n from product');
    expect(Number(r[0]!['n'])).toBeGreaterThan(0);
  });
});

describe('vt gate: tablet restart', () => {
  it('follows a tablet that comes back on another port', async () => {
    const c = await connect('customer:80-');
    const [before] = await c.query<mysql.RowDataPacket[]>('select count(*) n from corder');
    const oldServer = customerTablets[1]!;
    const oldPort = oldServer.rpcPort;
    await oldServer.stop();
    await until('80- primary not serving', async () =>
      gate.healthCheck.healthy({ keyspace: 'customer', shard: '80-', tabletType: 'primary' }).length === 0
        ? true
        : undefined,
    );
    const down = await mysqlError(c.query('select count(*) n from corder'));
    expect(down.message).toContain('target: customer.80-.primary: no healthy tablet available');
    const server = customerTablet(customerDbs.instances[1]!, '80-', 'primary');
    customerTablets[1] = server;
    await server.start();
    expect(server.rpcPort).not.toBe(oldPort);
    const after = await until('80- serving again', async () => {
      const [r] = await c.query<mysql.RowDataPacket[]>('select count(*) n from corder');
      return r;
    });
    expect(after[0]!['n']).toEqual(before[0]!['n']);
    expect(gate.healthCheck.get(server.alias)!.addr).toBe(`127.0.0.1:${server.rpcPort}`);
  }, 30_000);
});

/** A `vt gate` process over the test cluster (bin/dev.js), resolved once it listens. */
async function spawnGate(extraArgs: readonly string[]): Promise<{
  proc: ChildProcess;
  mysqlPort: number;
  output: () => string;
  exited: Promise<number | null>;
}> {
  const [mysqlPort, httpPort] = await freePorts(2);
  const proc = spawn(
    process.execPath,
    [
      path.join(repoRoot, 'bin', 'dev.js'),
      'gate',
      ...cluster.topoFlags,
      '--mysql-server-port',
      String(mysqlPort),
      '--port',
      String(httpPort),
      '--tablet-types-to-wait',
      'PRIMARY',
      ...extraArgs,
    ],
    { cwd: repoRoot, env: { ...process.env, VTDATAROOT: cluster.dataRoot }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let out = '';
  proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once('exit', (code) => resolve(code)));
  try {
    await until('gate listening', async () => (out.includes('vt gate: MySQL on') ? true : undefined), 60_000);
  } catch (e) {
    proc.kill('SIGKILL');
    throw e;
  }
  return { proc, mysqlPort: mysqlPort!, output: () => out, exited };
}

describe('vt gate command', () => {
  it('serves TLS with a static auth file: plain TCP is 3159, wrong password 1045/28000, the right one works; SIGTERM stops it', async () => {
    const authFile = path.join(cluster.dataRoot, 'gate-users.json');
    await writeFile(authFile, JSON.stringify({ app: [{ Password: 'secret', UserData: 'app' }] }));
    const tls = selfSignedCert();
    const { proc, mysqlPort, output, exited } = await spawnGate([
      '--mysql-auth-server-static-file',
      authFile,
      '--mysql-server-ssl-cert',
      path.join(tls.dir, 'cert.pem'),
      '--mysql-server-ssl-key',
      path.join(tls.dir, 'key.pem'),
      '--mysql-server-require-secure-transport',
    ]);
    try {
      expect(output()).toContain(`127.0.0.1:${mysqlPort}`);
      const ssl = { rejectUnauthorized: false };
      const base = { host: '127.0.0.1', port: mysqlPort, user: 'app', database: 'commerce' };
      const plain = await mysqlError(mysql.createConnection({ ...base, password: 'secret' }));
      expect(plain.errno).toBe(3159);
      const denied = await mysqlError(mysql.createConnection({ ...base, password: 'wrong', ssl }));
      expect([denied.errno, denied.sqlState]).toEqual([1045, '28000']);
      const ok = await mysql.createConnection({ ...base, password: 'secret', ssl });
      const [r] = await ok.query<mysql.RowDataPacket[]>('select sku from product where id = 1');
      expect(r[0]!['sku']).toBe('a');
      await ok.end();
    } finally {
      proc.kill('SIGTERM');
      tls.cleanup();
    }
    expect(await exited).toBe(0);
    expect(output()).toContain('vt gate: stopped');
  }, 90_000);

  it('drains on SIGTERM: a statement in flight returns its rows, then the gate exits 0', async () => {
    const { proc, mysqlPort, output, exited } = await spawnGate(['--onterm-timeout', '20s']);
    try {
      const c = await mysql.createConnection({ host: '127.0.0.1', port: mysqlPort, user: 'app', database: 'commerce' });
      try {
        const running = c.query<mysql.RowDataPacket[]>('select sleep(1.5) as s, 42 as answer');
        await sleep(300);
        proc.kill('SIGTERM');
        const [rows] = await running;
        expect(rows[0]!['answer']).toBe(42);
      } finally {
        c.destroy();
      }
      expect(await exited).toBe(0);
      expect(output()).toContain('vt gate: stopped');
    } finally {
      proc.kill('SIGKILL');
    }
  }, 90_000);

  it('refuses bad duration flags with a one-line error and a non-zero exit, before listening', async () => {
    for (const [flag, value, msg] of [
      ['--tablet-refresh-interval', '5', '--tablet-refresh-interval: must be at least 100ms'],
      ['--tablet-refresh-interval', 'often', '--tablet-refresh-interval: invalid duration "often"'],
      ['--query-timeout', '1h', '--query-timeout: invalid duration "1h"'],
    ] as const) {
      const r = await runVt(['gate', '--mysql-server-port', '0', '--port', '0', flag, value], {
        VTDATAROOT: cluster.dataRoot,
      });
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(msg);
      expect(r.stdout).not.toContain('vt gate: MySQL on');
    }
  }, 60_000);
});
