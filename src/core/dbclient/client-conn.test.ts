import net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { Charset, ColumnFlag, MysqlType, type Field, type SqlValue } from '../sqltypes/index.js';
import { TabletMysqld } from '../../../test/support/tablet-mysqld.js';
import { Cap } from '../protocol/constants.js';
import { ClientConn, type ConnectOptions, type ResultSink } from './client-conn.js';
import type { ResultEnd } from './result-packets.js';
import { failure } from '../../../test/support/failure.js';

interface Result {
  readonly fields?: readonly Field[];
  readonly rows: SqlValue[][];
  readonly end: ResultEnd;
  readonly more: boolean;
}

/** Collects every result of one query, in wire order. */
class Collect implements ResultSink {
  readonly results: Result[] = [];
  private fieldsNow: readonly Field[] | undefined;
  private rowsNow: SqlValue[][] = [];
  readonly promise: Promise<Result[]>;
  private settle!: (err: VtError | undefined) => void;

  constructor() {
    this.promise = new Promise((resolve, reject) => {
      this.settle = (err) => (err ? reject(err) : resolve(this.results));
    });
  }
  fields(f: readonly Field[]): void {
    this.fieldsNow = f;
  }
  row(v: SqlValue[]): void {
    this.rowsNow.push(v);
  }
  end(end: ResultEnd, more: boolean): void {
    this.results.push({ ...(this.fieldsNow ? { fields: this.fieldsNow } : {}), rows: this.rowsNow, end, more });
    this.fieldsNow = undefined;
    this.rowsNow = [];
  }
  done(err: VtError | undefined): void {
    this.settle(err);
  }
}

function query(c: ClientConn, sql: string): Promise<Result[]> {
  const s = new Collect();
  c.query(sql, s);
  return s.promise;
}

async function one(c: ClientConn, sql: string): Promise<Result> {
  const rs = await query(c, sql);
  expect(rs).toHaveLength(1);
  return rs[0]!;
}

let mysqld: TabletMysqld;
let root: ConnectOptions;
let c: ClientConn;

beforeAll(async () => {
  mysqld = await TabletMysqld.create();
  root = { socketPath: mysqld.socketPath, user: 'root' };
  c = await ClientConn.connect(root);
  for (const sql of [
    'create database dbc',
    `create table dbc.types (
      id int not null primary key,
      ti tinyint, si smallint unsigned, mi mediumint, i int, bi bigint unsigned,
      de decimal(10,3), fl float, db double, bt bit(8),
      d date, dt datetime(6), ts timestamp null, tm time, y year,
      ch char(3), vc varchar(10), bn binary(4), vb varbinary(10),
      tb tinyblob, bl blob, tx text, en enum('a','b'), st set('a','b','c'), js json, g geometry
    ) default charset utf8mb4`,
    `insert into dbc.types values (1, -128, 65535, -8388608, 2147483647, 18446744073709551615,
      -1234567.891, 1.5, 3.141592653589793, b'10100101',
      '2024-02-29', '2024-02-29 13:14:15.123456', '2024-02-29 13:14:15', '-838:59:59', 2024,
      'abc', 'héllo', x'00ff0010', x'', x'fe', x'000102', '', 'b', 'a,c', '{"a": 1}', ST_GeomFromText('POINT(1 2)'))`,
    `insert into dbc.types (id) values (2)`,
    "create user 'pw'@'localhost' identified by 'sécret'",
    "grant all on *.* to 'pw'@'localhost'",
    'set global max_allowed_packet = 67108864',
  ]) {
    await query(c, sql);
  }
});

afterAll(async () => {
  c?.close();
  await mysqld?.destroy();
});

describe('ClientConn against a real mariadbd', () => {
  it('reads every common column type as MySQL text, binary columns as Buffers, with the server column metadata', async () => {
    const r = await one(c, 'select * from dbc.types where id = 1');
    expect(r.rows).toEqual([
      [
        '1',
        '-128',
        '65535',
        '-8388608',
        '2147483647',
        '18446744073709551615',
        '-1234567.891',
        '1.5',
        '3.141592653589793',
        Buffer.from([0xa5]),
        '2024-02-29',
        '2024-02-29 13:14:15.123456',
        '2024-02-29 13:14:15',
        '-838:59:59',
        '2024',
        'abc',
        'héllo',
        Buffer.from([0x00, 0xff, 0x00, 0x10]),
        Buffer.alloc(0),
        Buffer.from([0xfe]),
        Buffer.from([0, 1, 2]),
        '',
        'b',
        'a,c',
        '{"a": 1}',
        // SRID 0, then WKB: little endian, type 1 (point), x = 1.0, y = 2.0.
        Buffer.from('00000000' + '01' + '01000000' + '000000000000f03f' + '0000000000000040', 'hex'),
      ],
    ]);
    const meta = r.fields!.map((f) => [f.name, f.type, f.charset, f.columnLength, f.flags, f.decimals]);
    const B = ColumnFlag.BINARY;
    const U = ColumnFlag.UNSIGNED;
    const BLOB = ColumnFlag.BLOB;
    expect(meta).toEqual([
      ['id', MysqlType.LONG, 63, 11, ColumnFlag.NOT_NULL | ColumnFlag.PRI_KEY | ColumnFlag.NO_DEFAULT_VALUE | 16384, 0],
      ['ti', MysqlType.TINY, 63, 4, 0, 0],
      ['si', MysqlType.SHORT, 63, 5, U, 0],
      ['mi', MysqlType.INT24, 63, 9, 0, 0],
      ['i', MysqlType.LONG, 63, 11, 0, 0],
      ['bi', MysqlType.LONGLONG, 63, 20, U, 0],
      ['de', MysqlType.NEWDECIMAL, 63, 12, 0, 3],
      ['fl', MysqlType.FLOAT, 63, 12, 0, 31],
      ['db', MysqlType.DOUBLE, 63, 22, 0, 31],
      ['bt', MysqlType.BIT, 63, 8, U, 0],
      ['d', MysqlType.DATE, 63, 10, B, 0],
      ['dt', MysqlType.DATETIME, 63, 26, B, 6],
      ['ts', MysqlType.TIMESTAMP, 63, 19, U | B, 0],
      ['tm', MysqlType.TIME, 63, 10, B, 0],
      ['y', MysqlType.YEAR, 63, 4, U | ColumnFlag.ZEROFILL, 0],
      ['ch', MysqlType.STRING, Charset.utf8mb4_general_ci, 12, 0, 0],
      ['vc', MysqlType.VAR_STRING, Charset.utf8mb4_general_ci, 40, 0, 0],
      ['bn', MysqlType.STRING, 63, 4, B, 0],
      ['vb', MysqlType.VAR_STRING, 63, 10, B, 0],
      ['tb', MysqlType.BLOB, 63, 255, BLOB | B, 0],
      ['bl', MysqlType.BLOB, 63, 65535, BLOB | B, 0],
      ['tx', MysqlType.BLOB, Charset.utf8mb4_general_ci, 262140, BLOB, 0],
      ['en', MysqlType.STRING, Charset.utf8mb4_general_ci, 4, ColumnFlag.ENUM, 0],
      ['st', MysqlType.STRING, Charset.utf8mb4_general_ci, 20, ColumnFlag.SET, 0],
      // MariaDB's JSON is LONGTEXT with a _bin collation (hence BINARY), sent as text.
      ['js', MysqlType.BLOB, Charset.utf8mb4_general_ci, 4294967295, BLOB | B, 0],
      ['g', MysqlType.GEOMETRY, 63, 4294967295, BLOB | B, 0],
    ]);
    expect(r.end).toMatchObject({ affectedRows: 0, warnings: 0 });
    expect(r.more).toBe(false);
  });

  it('gives NULLs as null, keeps empty strings apart from NULL, and names columns, aliases and tables', async () => {
    const r = await one(
      c,
      "select tt.ti as alias, tt.vc, tt.bn, tt.tx, null as n, '' as e, x'' as eb from dbc.types tt where id = 2",
    );
    expect(r.rows).toEqual([[null, null, null, null, null, '', Buffer.alloc(0)]]);
    expect(r.fields![0]).toEqual({
      name: 'alias',
      orgName: 'ti',
      table: 'tt',
      orgTable: 'types',
      database: 'dbc',
      type: MysqlType.TINY,
      charset: 63,
      columnLength: 4,
      flags: 0,
      decimals: 0,
    });
    expect(r.fields!.slice(4).map((f) => [f.name, f.type, f.table])).toEqual([
      ['n', MysqlType.NULL, ''],
      ['e', MysqlType.VAR_STRING, ''],
      ['eb', MysqlType.VAR_STRING, ''],
    ]);
  });

  it('round-trips utf8mb4 text (emoji) and every byte value 0x00-0xff', async () => {
    await query(c, 'create table dbc.rt (id int primary key, t varchar(20) charset utf8mb4, b varbinary(256))');
    const all = Buffer.from(Array.from({ length: 256 }, (_, i) => i));
    await query(c, `insert into dbc.rt values (1, 'a😀é🎉z', x'${all.toString('hex')}')`);
    const r = await one(c, "select t, b, char_length(t), length(t), '🙂' from dbc.rt");
    expect(r.rows).toEqual([['a😀é🎉z', all, '5', '12', '🙂']]);
  });

  it('reads the same statement again with the column definitions reused, and a changed one afresh', async () => {
    const a = await one(c, 'select id, vc from dbc.types where id = 1');
    const b = await one(c, 'select id, vc from dbc.types where id = 1');
    expect(b.fields).toBe(a.fields);
    const d = await one(c, 'select id, vc as other from dbc.types where id = 1');
    expect(d.fields!.map((f) => f.name)).toEqual(['id', 'other']);
    expect(d.fields![0]).toBe(a.fields![0]);
    const e = await one(c, 'select vc, bn from dbc.types where id = 1');
    expect(e.rows).toEqual([['héllo', Buffer.from([0x00, 0xff, 0x00, 0x10])]]);
  });

  it('reads rows and sends statements of 16 MiB and more (split and joined packets)', async () => {
    const big = await ClientConn.connect(root); // a new session sees the raised max_allowed_packet
    try {
      const n = 17 * 1024 * 1024;
      const r = await one(big, `select repeat('a', ${n}) s, 'x' t, cast(repeat('b', ${n}) as binary) b`);
      const [s, t, b] = r.rows[0]!;
      expect(typeof s).toBe('string');
      expect((s as string).length).toBe(n);
      expect((s as string).replaceAll('a', '')).toBe('');
      expect(t).toBe('x');
      expect(Buffer.isBuffer(b) && b.length === n && b[0] === 0x62 && b[n - 1] === 0x62).toBe(true);
      // A row whose payload is exactly 16 MiB - 1 bytes (4-byte length prefix + value) is followed by an empty packet.
      const exact = await one(big, `select repeat('c', ${0xffffff - 4}) s`);
      expect((exact.rows[0]![0] as string).length).toBe(0xffffff - 4);
      // COM_QUERY itself over 16 MiB.
      const long = 'é'.repeat(9 * 1024 * 1024);
      const q = await one(big, `select char_length('${long}') n, 1 one`);
      expect(q.rows).toEqual([[String(long.length), '1']]);
    } finally {
      big.close();
    }
  });

  it('returns server errors with errno, SQLSTATE and message and stays usable', async () => {
    const syntax = await failure(query(c, 'selec 1'));
    expect([syntax.errno, syntax.sqlState, syntax.code]).toEqual([1064, '42000', 'INVALID_ARGUMENT']);
    expect(syntax.message).toContain("near 'selec 1' at line 1");
    const missing = await failure(query(c, 'select * from dbc.nope'));
    expect([missing.errno, missing.sqlState, missing.code, missing.message]).toEqual([
      1146,
      '42S02',
      'NOT_FOUND',
      "Table 'dbc.nope' doesn't exist",
    ]);
    expect(c.isClosed).toBe(false);
    expect((await one(c, 'select 1')).rows).toEqual([['1']]);
  });

  it('reads OK packets: affected rows, insert ids (bigint above 2^53), warnings and the info message', async () => {
    await query(c, 'create table dbc.ok (id bigint unsigned auto_increment primary key, v tinyint)');
    const ins = await one(c, 'insert into dbc.ok (v) values (1), (2), (3)');
    expect(ins.end).toEqual({
      affectedRows: 3,
      insertId: 1,
      statusFlags: ins.end.statusFlags,
      warnings: 0,
      info: 'Records: 3  Duplicates: 0  Warnings: 0',
    });
    const upd = await one(c, 'update dbc.ok set v = v + 1 where id <= 2');
    expect(upd.end).toMatchObject({
      affectedRows: 2,
      insertId: 0,
      warnings: 0,
      info: 'Rows matched: 2  Changed: 2  Warnings: 0',
    });
    const warn = await one(c, 'insert ignore into dbc.ok (v) values (1000)');
    expect(warn.end).toMatchObject({ affectedRows: 1, insertId: 4, warnings: 1 });
    await query(c, 'insert into dbc.ok (id, v) values (18446744073709551000, 1)');
    const big = await one(c, 'insert into dbc.ok (v) values (1)');
    expect(big.end.insertId).toBe(18446744073709551001n);
    const sel = await one(c, 'select 1/0');
    expect(sel.rows).toEqual([[null]]);
    expect(sel.end.warnings).toBe(1);
  });

  it('asks for CLIENT_FOUND_ROWS only when told: UPDATE then counts matched rather than changed rows', async () => {
    await query(c, 'create table dbc.fr (id int primary key, v int)');
    await query(c, 'insert into dbc.fr values (1, 1), (2, 1)');
    const found = await ClientConn.connect({ ...root, foundRows: true });
    try {
      expect((await one(c, 'update dbc.fr set v = 1')).end.affectedRows).toBe(0);
      expect((await one(found, 'update dbc.fr set v = 1')).end.affectedRows).toBe(2);
    } finally {
      found.close();
    }
  });

  it('reads every result of a CALL, flagged with more-results, and does not send multi-statements', async () => {
    await query(c, 'create procedure dbc.two() begin select 1 a; select 2 b, 3 c; end');
    const rs = await query(c, 'call dbc.two()');
    expect(rs.map((r) => [r.fields?.map((f) => f.name), r.rows, r.more])).toEqual([
      [['a'], [['1']], true],
      [['b', 'c'], [['2', '3']], true],
      [undefined, [], false],
    ]);
    const multi = await failure(query(c, 'select 1; select 2'));
    expect(multi.errno).toBe(1064);
  });

  it('reports its thread id, server version and a CONNECT_WITH_DB database', async () => {
    const d = await ClientConn.connect({ ...root, database: 'dbc' });
    try {
      const r = await one(d, 'select connection_id(), database(), @@character_set_results, @@collation_connection');
      expect(r.rows).toEqual([[String(d.threadId), 'dbc', 'utf8mb4', 'utf8mb4_general_ci']]);
      expect(d.serverVersion).toMatch(/MariaDB/);
      // No IGNORE_SPACE capability: the session's sql_mode is the server's, as for any MySQL client.
      const [[mode]] = (await one(d, 'select @@session.sql_mode = @@global.sql_mode')).rows;
      expect(mode).toBe('1');
      const [[ignoreSpace]] = (await one(d, "select find_in_set('IGNORE_SPACE', @@session.sql_mode)")).rows;
      expect(ignoreSpace).toBe('0');
    } finally {
      d.close();
    }
  });

  it('authenticates with mysql_native_password and fails wrong passwords, unknown databases and other plugins', async () => {
    const ok = await ClientConn.connect({ ...root, user: 'pw', password: 'sécret' });
    expect((await one(ok, 'select current_user()')).rows).toEqual([['pw@localhost']]);
    ok.close();
    const denied = await failure(ClientConn.connect({ ...root, user: 'pw', password: 'wrong' }));
    expect([denied.errno, denied.sqlState, denied.code]).toEqual([1045, '28000', 'PERMISSION_DENIED']);
    expect(denied.message).toBe("Access denied for user 'pw'@'localhost' (using password: YES)");
    const empty = await failure(ClientConn.connect({ ...root, user: 'pw' }));
    expect(empty.message).toContain('using password: NO');
    const badDb = await failure(ClientConn.connect({ ...root, database: 'nodb' }));
    expect([badDb.errno, badDb.sqlState]).toEqual([1049, '42000']);
    await query(c, "install soname 'auth_ed25519'");
    await query(c, "create user 'ed'@'localhost' identified via ed25519 using password('x')");
    const plugin = await failure(ClientConn.connect({ ...root, user: 'ed', password: 'x' }));
    expect([plugin.code, plugin.errno]).toEqual(['UNAVAILABLE', 2059]);
    expect(plugin.message).toContain("'client_ed25519'");
  });

  it('stops reading while paused', async () => {
    const p = await ClientConn.connect(root);
    try {
      let rows = 0;
      let pausedAt = -1;
      const s = new Collect();
      const sink: ResultSink = {
        fields: (f) => s.fields(f),
        row: () => {
          if (++rows === 1) {
            p.pause();
            pausedAt = p.bytesReceived;
          }
        },
        end: (e, more) => s.end(e, more),
        done: (e) => s.done(e),
      };
      p.query("select repeat('x', 1000) from dbc.seq_1_to_20000", sink);
      await new Promise((r) => setTimeout(r, 300));
      expect(pausedAt).toBeGreaterThan(0);
      // At most the chunk being parsed when pause() was called.
      expect(p.bytesReceived - pausedAt).toBeLessThanOrEqual(64 * 1024);
      p.resume();
      await s.promise;
      expect(rows).toBe(20000);
      expect(p.bytesReceived).toBeGreaterThan(20_000_000);
    } finally {
      p.close();
    }
  });

  it('fails UNAVAILABLE when mysqld cannot be reached, within connectTimeoutMs when it does not answer', async () => {
    const refused = await failure(ClientConn.connect({ host: '127.0.0.1', port: await deadPort(), user: 'root' }));
    expect([refused.code, refused.errno]).toEqual(['UNAVAILABLE', 2002]);
    const noSocket = await failure(ClientConn.connect({ socketPath: `${mysqld.dir}/nope.sock`, user: 'root' }));
    expect([noSocket.code, noSocket.errno]).toEqual(['UNAVAILABLE', 2002]);
    const silent = net.createServer(() => undefined);
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    try {
      const port = (silent.address() as net.AddressInfo).port;
      const t0 = Date.now();
      const timedOut = await failure(
        ClientConn.connect({ host: '127.0.0.1', port, user: 'root', connectTimeoutMs: 300 }),
      );
      expect(Date.now() - t0).toBeLessThan(2000);
      expect([timedOut.code, timedOut.errno]).toEqual(['UNAVAILABLE', 2002]);
      expect(timedOut.message).toContain('timed out after 300 ms');
    } finally {
      silent.close();
    }
  });

  it('says COM_QUIT on close(): mysqld counts no aborted client and drops the thread', async () => {
    const aborted = async (): Promise<string> =>
      (await one(c, "show global status like 'Aborted_clients'")).rows[0]![1] as string;
    const before = await aborted();
    const q = await ClientConn.connect(root);
    const id = q.threadId;
    q.close();
    expect(q.isClosed).toBe(true);
    let gone = false;
    for (let i = 0; i < 100 && !gone; i++) {
      gone = (await one(c, `select count(*) from information_schema.processlist where id = ${id}`)).rows[0]![0] === '0';
      if (!gone) await new Promise((r) => setTimeout(r, 10));
    }
    expect(gone).toBe(true);
    expect(await aborted()).toBe(before);
    expect((await failure(query(q, 'select 1'))).code).toBe('UNAVAILABLE');
  });

  it('notices a KILL of its connection while idle and fails the next query UNAVAILABLE', async () => {
    const victim = await ClientConn.connect(root);
    await query(c, `kill ${victim.threadId}`);
    for (let i = 0; i < 100 && !victim.isClosed; i++) await new Promise((r) => setTimeout(r, 10));
    expect(victim.isClosed).toBe(true);
    const e = await failure(query(victim, 'select 1'));
    expect(e.code).toBe('UNAVAILABLE');
  });
});

describe.each([true, false])('ClientConn framing (deprecateEof %s)', (deprecateEof) => {
  it('reads results that arrive in fragments of a few bytes (headers and packets split across reads)', async () => {
    await query(c, `create procedure if not exists dbc.frag() begin select 1 a; select 2 b; end`);
    const proxy = await fragmentingProxy(mysqld.port);
    try {
      const f = await ClientConn.connect({
        host: '127.0.0.1',
        port: proxy.port,
        user: 'root',
        database: 'dbc',
        deprecateEof,
      });
      try {
        expect((f.capabilities & Cap.DEPRECATE_EOF) !== 0).toBe(deprecateEof);
        const r = await one(f, 'select id, vc, bn from types order by id');
        expect(r.rows).toEqual([
          ['1', 'héllo', Buffer.from([0x00, 0xff, 0x00, 0x10])],
          ['2', null, null],
        ]);
        expect((await one(f, 'select 1 from dual where 0')).rows).toEqual([]);
        expect((await one(f, 'select 1/0')).end.warnings).toBe(1);
        expect((await failure(query(f, 'select * from nope'))).errno).toBe(1146);
        const rs = await query(f, 'call frag()');
        expect(rs.map((x) => [x.rows, x.more])).toEqual([
          [[['1']], true],
          [[['2']], true],
          [[], false],
        ]);
        expect((await one(f, "select repeat('z', 100000) s")).rows[0]![0]).toBe('z'.repeat(100000));
        expect(proxy.writes()).toBeGreaterThan(1000);
      } finally {
        f.close();
      }
    } finally {
      proxy.close();
    }
  });
});

/**
 * A TCP proxy to mysqld that forwards the server's bytes in pieces of 1-7 bytes, one piece per event-loop turn
 * (so the client's reads end inside headers and packets), and the client's bytes as they come.
 */
async function fragmentingProxy(port: number): Promise<{ port: number; writes(): number; close(): void }> {
  let writes = 0;
  const sockets: net.Socket[] = [];
  const server = net.createServer((client) => {
    const upstream = net.connect({ host: '127.0.0.1', port });
    sockets.push(client, upstream);
    client.setNoDelay(true);
    client.pipe(upstream);
    let pending = Buffer.alloc(0);
    let pumping = false;
    const pump = (): void => {
      if (pending.length === 0 || client.destroyed) {
        pumping = false;
        upstream.resume();
        return;
      }
      const n = 1 + Math.floor(Math.random() * 7);
      client.write(pending.subarray(0, n));
      writes++;
      pending = pending.subarray(n);
      setImmediate(pump);
    };
    upstream.on('data', (d: Buffer) => {
      pending = Buffer.concat([pending, d]);
      if (pending.length > 256 * 1024) upstream.pause();
      if (!pumping) {
        pumping = true;
        pump();
      }
    });
    upstream.on('close', () => client.end());
    client.on('close', () => upstream.destroy());
    client.on('error', () => undefined);
    upstream.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as net.AddressInfo).port,
    writes: () => writes,
    close: () => {
      for (const s of sockets) s.destroy();
      server.close();
    },
  };
}

/** A TCP port nothing listens on (bound, then released). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}
