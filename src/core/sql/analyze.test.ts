import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { analyze } from './analyze.js';
import { normalize } from './normalize.js';
import { resolveLimit } from './resolve-limit.js';
import type { StatementInfo } from './statement-info.js';

type Want = Record<string, unknown>;
const check = (sql: string, want: Want): void => expect(analyze(sql)).toMatchObject(want);

describe('analyze: kinds', () => {
  const cases: [string, string][] = [
    ['select 1', 'select'],
    ['(select 1)', 'select'],
    ['with x as (select 1) select * from x', 'select'],
    ['insert into t values (1)', 'insert'],
    ['replace into t values (1)', 'replace'],
    ['update t set a = 1', 'update'],
    ['delete from t', 'delete'],
    ['create table t (a int)', 'ddl'],
    ['alter table t add column b int', 'ddl'],
    ['drop view v', 'ddl'],
    ['rename table a to b', 'ddl'],
    ['truncate t', 'ddl'],
    ['set autocommit = 0', 'set'],
    ['use ks', 'use'],
    ['show tables', 'show'],
    ['begin', 'begin'],
    ['BEGIN WORK', 'begin'],
    ['start transaction', 'begin'],
    ['commit', 'commit'],
    ['commit work', 'commit'],
    ['rollback', 'rollback'],
    ['rollback work', 'rollback'],
    ['savepoint a', 'savepoint'],
    ['release savepoint a', 'release_savepoint'],
    ['rollback to a', 'rollback_to_savepoint'],
    ['explain select 1', 'explain'],
    ['call p()', 'call'],
    ["load data infile 'f' into table t", 'load'],
    ['lock tables t read', 'lock_tables'],
    ['unlock tables', 'unlock_tables'],
    ['flush tables', 'flush'],
    ['stream * from t', 'stream'],
    ['analyze table t', 'other'],
    ['grant select on *.* to u', 'other'],
    ['kill 5', 'other'],
    ['create user u', 'other'],
    ['drop user u', 'other'],
    ['set password = password("x")', 'other'],
    ['do 1', 'other'],
    ['start slave', 'other'],
    ['begin not atomic select 1; end', 'other'],
    ['', 'comment_only'],
    ['   ', 'comment_only'],
    ['/* x */', 'comment_only'],
    ['-- x', 'comment_only'],
    [';', 'comment_only'],
    ['/*vt+ A=1 */ ;', 'comment_only'],
    ['select 1;', 'select'],
    ['/*!40101 SET NAMES utf8 */', 'set'],
  ];
  it.each(cases)('%j is %s', (sql, kind) => expect(analyze(sql).kind).toBe(kind));
});

describe('analyze: select', () => {
  it.each<[string, Want]>([
    [
      'select @@version',
      { hasFrom: false, tables: [], sysvars: [{ name: 'version' }], selectExprs: [{ text: '@@version' }] },
    ],
    [
      'select @@version_comment limit 1',
      { sysvars: [{ name: 'version_comment' }], limit: { rowCount: { kind: 'int', value: '1' } } },
    ],
    ['select database()', { functions: ['database'], selectExprs: [{ text: 'database()' }], hasFrom: false }],
    ['select schema()', { functions: ['schema'] }],
    ['select last_insert_id()', { functions: ['last_insert_id'] }],
    ['select connection_id()', { functions: ['connection_id'] }],
    ['select @@tx_isolation', { sysvars: [{ name: 'tx_isolation' }] }],
    ['select @@session.autocommit', { sysvars: [{ scope: 'session', name: 'autocommit' }] }],
    [
      'select @@GLOBAL.read_only, @@local.sql_mode',
      {
        sysvars: [
          { scope: 'global', name: 'read_only' },
          { scope: 'session', name: 'sql_mode' },
        ],
      },
    ],
    ['select 1 from dual', { tables: [], hasFrom: true }],
    [
      'select a, b as x, count(*) c, t.d, `e` `f`, "s" from t',
      {
        selectExprs: [
          { text: 'a' },
          { text: 'b', alias: 'x' },
          { text: 'count(*)', alias: 'c' },
          { text: 't.d' },
          { text: '`e`', alias: 'f' },
          { text: '"s"' },
        ],
      },
    ],
    [
      "select 1 as 'one', a + 1 as `two`",
      {
        selectExprs: [
          { text: '1', alias: 'one' },
          { text: 'a + 1', alias: 'two' },
        ],
      },
    ],
    ['select distinct sql_no_cache a from t', { selectExprs: [{ text: 'a' }] }],
    [
      'select * from ks.t1 join `ks2`.`t2` on t1.a = t2.a left join t3 using (a)',
      {
        tables: [{ qualifier: 'ks', name: 't1' }, { qualifier: 'ks2', name: 't2' }, { name: 't3' }],
      },
    ],
    [
      'select * from t1, t2 as b, t3 c where x in (select y from t4) and exists (select 1 from ks.t5)',
      {
        tables: [{ name: 't1' }, { name: 't2' }, { name: 't3' }, { name: 't4' }, { qualifier: 'ks', name: 't5' }],
      },
    ],
    [
      'select * from t1 use index (i1) force index for join (i2), t2 partition (p0) x',
      { tables: [{ name: 't1' }, { name: 't2' }] },
    ],
    [
      'select * from (select a from t1) d join (t2 cross join t3) on 1',
      { tables: [{ name: 't1' }, { name: 't2' }, { name: 't3' }] },
    ],
    ['select extract(year from d), trim(leading 1 from s), substring(s from 2) from t', { tables: [{ name: 't' }] }],
    ['select * from t1 straight_join t2', { tables: [{ name: 't1' }, { name: 't2' }] }],
    ['select straight_join a from t', { tables: [{ name: 't' }] }],
    [
      'with recursive c (n) as (select 1 union all select n + 1 from c where n < 5) select * from c, t',
      {
        tables: [{ name: 't' }],
      },
    ],
    ['select * from status', { tables: [{ name: 'status' }] }],
    ['select * from t union select * from u', { union: true, tables: [{ name: 't' }, { name: 'u' }] }],
  ])('%s', check);

  it('finds the statement-level limit and where to add one', () => {
    const cases: [string, string | undefined, string][] = [
      // [sql, limit clause text, sql with ` limit 10001` inserted at limitInsertAt]
      ['select * from t', undefined, 'select * from t limit 10001'],
      ['select * from t -- c', undefined, 'select * from t limit 10001 -- c'],
      ['select * from t;', undefined, 'select * from t limit 10001;'],
      ['select * from t for update', undefined, 'select * from t limit 10001 for update'],
      ['select * from t lock in share mode', undefined, 'select * from t limit 10001 lock in share mode'],
      ['select * from t for share', undefined, 'select * from t limit 10001 for share'],
      ["select * from t into outfile 'f'", undefined, "select * from t limit 10001 into outfile 'f'"],
      ['select a into @x from t', undefined, 'select a into @x from t limit 10001'],
      ['select 1 into @x', undefined, 'select 1 limit 10001 into @x'],
      [
        'select * from t where a in (select b from u limit 5)',
        undefined,
        'select * from t where a in (select b from u limit 5) limit 10001',
      ],
      [
        '(select a from t limit 1) union (select b from u)',
        undefined,
        '(select a from t limit 1) union (select b from u) limit 10001',
      ],
      ['select * from t limit 5', 'limit 5', ''],
      ['select * from t limit 5, 10 for update', 'limit 5, 10', ''],
      ['select * from t limit 10 offset 5', 'limit 10 offset 5', ''],
    ];
    for (const [sql, limitText, withLimit] of cases) {
      const info = analyze(sql);
      if (info.kind !== 'select') throw new Error(`not a select: ${sql}`);
      if (limitText === undefined) {
        expect(info.limit, sql).toBeUndefined();
        expect(sql.slice(0, info.limitInsertAt) + ' limit 10001' + sql.slice(info.limitInsertAt), sql).toBe(withLimit);
      } else {
        expect(sql.slice(info.limit!.start, info.limit!.end)).toBe(limitText);
      }
    }
  });

  it('reports row count and offset of LIMIT forms, resolvable after normalization', () => {
    const a = analyze('select * from t limit 5, 10') as Extract<StatementInfo, { kind: 'select' }>;
    expect(a.limit).toMatchObject({ rowCount: { kind: 'int', value: '10' }, offset: { kind: 'int', value: '5' } });
    const b = analyze('select * from t limit 10 offset 5') as Extract<StatementInfo, { kind: 'select' }>;
    expect(b.limit).toMatchObject({ rowCount: { kind: 'int', value: '10' }, offset: { kind: 'int', value: '5' } });
    const n = normalize('select * from t where a = 1 limit 20');
    const c = analyze(n.normalized) as Extract<StatementInfo, { kind: 'select' }>;
    expect(c.limit?.rowCount).toEqual({ kind: 'bindvar', name: 'vtg2' });
    expect(resolveLimit(c.limit!.rowCount, n.bindVars)).toBe(20);
    expect(resolveLimit({ kind: 'placeholder' })).toBeUndefined();
    expect(resolveLimit({ kind: 'bindvar', name: 'nope' }, n.bindVars)).toBeUndefined();
    const d = analyze('select * from t limit ?') as Extract<StatementInfo, { kind: 'select' }>;
    expect(d.limit?.rowCount).toEqual({ kind: 'placeholder' });
  });

  it('flags locking reads and INTO', () => {
    check('select * from t where id = 1 for update', { forUpdate: true, lockInShareMode: false });
    check('select * from t lock in share mode', { forUpdate: false, lockInShareMode: true });
    check('select * from t where a in (select b from u for update)', { forUpdate: false });
    check('select * from t into @a', { into: true });
    check('insert into t select * from u', { kind: 'insert' });
  });
});

describe('analyze: DML', () => {
  it.each<[string, Want]>([
    [
      'insert into t values (1)',
      { kind: 'insert', table: { name: 't' }, ignore: false, onDuplicateKeyUpdate: false, fromSelect: false },
    ],
    [
      'INSERT LOW_PRIORITY IGNORE INTO ks.t (a, `b`) VALUES (1, 2)',
      { table: { qualifier: 'ks', name: 't' }, columns: ['a', 'b'], ignore: true },
    ],
    ['insert t set a = 1', { table: { name: 't' } }],
    ['insert into t (a) values (1) on duplicate key update a = values(a)', { onDuplicateKeyUpdate: true }],
    [
      'insert into t (a) select b from u join v on u.x = v.x',
      { fromSelect: true, sourceTables: [{ name: 'u' }, { name: 'v' }] },
    ],
    ['insert into t (select * from u)', { fromSelect: true, sourceTables: [{ name: 'u' }] }],
    ['replace delayed into t values (1)', { kind: 'replace', table: { name: 't' } }],
    [
      'update ks.t set a = 1 where id = 2',
      {
        kind: 'update',
        table: { qualifier: 'ks', name: 't' },
        tables: [{ qualifier: 'ks', name: 't' }],
        hasWhere: true,
      },
    ],
    ['update low_priority ignore t set a = 1', { table: { name: 't' }, hasWhere: false }],
    [
      'update t1 join t2 on t1.a = t2.a set t1.b = 1',
      { table: { name: 't1' }, tables: [{ name: 't1' }, { name: 't2' }] },
    ],
    ['update t1, t2 set t1.a = t2.a', { tables: [{ name: 't1' }, { name: 't2' }] }],
    [
      'update t set a = (select max(b) from u) limit 10',
      { tables: [{ name: 't' }, { name: 'u' }], limit: { rowCount: { kind: 'int', value: '10' } } },
    ],
    ['delete from t where id = 1', { kind: 'delete', table: { name: 't' }, tables: [{ name: 't' }], hasWhere: true }],
    ['delete quick ignore from ks.t', { table: { qualifier: 'ks', name: 't' }, hasWhere: false }],
    [
      'delete t1, t2 from t1 join t2 on t1.a = t2.a where t1.b = 1',
      { table: { name: 't1' }, tables: [{ name: 't1' }, { name: 't2' }] },
    ],
    [
      'delete from t1, t2 using t1 join t2 join t3',
      { table: { name: 't1' }, tables: [{ name: 't1' }, { name: 't2' }, { name: 't3' }] },
    ],
    [
      'with x as (select id from u) delete from t where id in (select id from x)',
      { kind: 'delete', table: { name: 't' }, tables: [{ name: 't' }, { name: 'u' }] },
    ],
  ])('%s', check);
});

describe('analyze: DDL', () => {
  it.each<[string, Want]>([
    [
      'create table t (a int)',
      { action: 'create', object: 'table', tables: [{ name: 't' }], ifNotExists: false, temporary: false },
    ],
    [
      'CREATE TEMPORARY TABLE IF NOT EXISTS ks.t (a int)',
      { object: 'table', tables: [{ qualifier: 'ks', name: 't' }], ifNotExists: true, temporary: true },
    ],
    ['create or replace table t as select 1', { action: 'create', object: 'table', tables: [{ name: 't' }] }],
    ['create table t like u', { tables: [{ name: 't' }] }],
    ['alter table t add index (a)', { action: 'alter', object: 'table', tables: [{ name: 't' }] }],
    ['alter online ignore table t engine=InnoDB', { action: 'alter', object: 'table', tables: [{ name: 't' }] }],
    [
      'drop table if exists a, ks.b, `c`',
      { action: 'drop', tables: [{ name: 'a' }, { qualifier: 'ks', name: 'b' }, { name: 'c' }], ifExists: true },
    ],
    ['drop temporary table t', { temporary: true, tables: [{ name: 't' }] }],
    [
      'rename table a to b, ks.c to ks.d',
      {
        action: 'rename',
        tables: [{ name: 'a' }, { name: 'b' }, { qualifier: 'ks', name: 'c' }, { qualifier: 'ks', name: 'd' }],
      },
    ],
    ['truncate table t', { action: 'truncate', object: 'table', tables: [{ name: 't' }] }],
    ['truncate ks.t', { tables: [{ qualifier: 'ks', name: 't' }] }],
    ['create unique index i on t (a)', { object: 'index', tables: [{ name: 't' }] }],
    [
      'create index if not exists i using btree on ks.t (a)',
      { object: 'index', tables: [{ qualifier: 'ks', name: 't' }], ifNotExists: true },
    ],
    ['drop index i on t', { action: 'drop', object: 'index', tables: [{ name: 't' }] }],
    [
      'create or replace algorithm=merge definer=`u`@`%` sql security invoker view v as select 1',
      { object: 'view', tables: [{ name: 'v' }] },
    ],
    ['drop view if exists v1, v2', { object: 'view', tables: [{ name: 'v1' }, { name: 'v2' }], ifExists: true }],
    ['create database if not exists db', { object: 'database', tables: [{ name: 'db' }], ifNotExists: true }],
    ['drop schema db', { object: 'database', tables: [{ name: 'db' }] }],
    ['create procedure p() begin select 1; end', { object: 'procedure', tables: [{ name: 'p' }] }],
    [
      'create definer=root@localhost function f() returns int return 1',
      { object: 'function', tables: [{ name: 'f' }] },
    ],
    ['drop trigger if exists ks.tr', { object: 'trigger', tables: [{ qualifier: 'ks', name: 'tr' }], ifExists: true }],
    ['create event e on schedule every 1 day do select 1', { object: 'event', tables: [{ name: 'e' }] }],
    ['create sequence s', { object: 'sequence', tables: [{ name: 's' }] }],
  ])('%s', (sql, want) => check(sql, { kind: 'ddl', ...want }));
});

describe('analyze: SET', () => {
  it.each<[string, Want[]]>([
    ['set autocommit = 1', [{ scope: 'session', name: 'autocommit', valueText: '1', valueKind: 'int', value: '1' }]],
    ['SET AUTOCOMMIT=ON', [{ scope: 'session', name: 'autocommit', valueKind: 'keyword', value: 'ON' }]],
    [
      "set @@session.sql_mode = 'STRICT_ALL_TABLES'",
      [{ scope: 'session', name: 'sql_mode', valueKind: 'string', value: 'STRICT_ALL_TABLES' }],
    ],
    [
      "set @@sql_mode = concat(@@sql_mode, ',X')",
      [{ scope: 'session', name: 'sql_mode', valueKind: 'expr', valueText: "concat(@@sql_mode, ',X')" }],
    ],
    [
      'set global max_connections = 100, session wait_timeout = -1',
      [
        { scope: 'global', name: 'max_connections', value: '100' },
        { scope: 'session', name: 'wait_timeout', valueKind: 'int', value: '-1' },
      ],
    ],
    ['set @@global.read_only = 1', [{ scope: 'global', name: 'read_only' }]],
    ['set local sql_safe_updates = 0', [{ scope: 'session', name: 'sql_safe_updates' }]],
    ['set persist x = 1', [{ scope: 'persist', name: 'x' }]],
    [
      'set @a = 1, @B := "x", @`c d` = @a',
      [
        { scope: 'user', name: 'a', value: '1' },
        { scope: 'user', name: 'B', valueKind: 'string', value: 'x' },
        { scope: 'user', name: 'c d', valueKind: 'uservar', value: 'a' },
      ],
    ],
    ['set names utf8mb4', [{ scope: 'session', name: 'names', value: 'utf8mb4' }]],
    [
      "set names 'utf8mb4' collate 'utf8mb4_unicode_ci'",
      [{ name: 'names', value: 'utf8mb4', collation: 'utf8mb4_unicode_ci' }],
    ],
    ['set names default', [{ name: 'names', value: 'default' }]],
    ['set character set utf8', [{ scope: 'session', name: 'charset', value: 'utf8' }]],
    ['set charset latin1', [{ name: 'charset', value: 'latin1' }]],
    [
      'set session transaction isolation level repeatable read',
      [{ scope: 'session', name: 'transaction_isolation', value: 'REPEATABLE-READ' }],
    ],
    [
      'set transaction isolation level serializable, read write',
      [
        { scope: 'next_tx', name: 'transaction_isolation', value: 'SERIALIZABLE' },
        { scope: 'next_tx', name: 'transaction_read_only', value: '0' },
      ],
    ],
    ['set global transaction read only', [{ scope: 'global', name: 'transaction_read_only', value: '1' }]],
    ['set transaction isolation level read uncommitted', [{ value: 'READ-UNCOMMITTED' }]],
    ["set workload = 'olap'", [{ scope: 'session', name: 'workload', value: 'olap' }]],
    ['set workload = olap', [{ name: 'workload', valueKind: 'ident', value: 'olap' }]],
    ['set sql_mode = :vtg1', [{ name: 'sql_mode', valueKind: 'bindvar', value: 'vtg1' }]],
    ['set @@session.`autocommit` = 0', [{ scope: 'session', name: 'autocommit' }]],
  ])('%s', (sql, assignments) => {
    const info = analyze(sql);
    expect(info.kind).toBe('set');
    if (info.kind !== 'set') return;
    expect(info.assignments).toHaveLength(assignments.length);
    assignments.forEach((a, k) => expect(info.assignments[k]).toMatchObject(a));
  });
});

describe('analyze: USE', () => {
  it.each<[string, string]>([
    ['use ks', 'ks'],
    ['USE `ks`', 'ks'],
    ['use ks:-80', 'ks:-80'],
    ['use ks:80-', 'ks:80-'],
    ['use ks:40-80', 'ks:40-80'],
    ['use ks@replica', 'ks@replica'],
    ['use ks:-80@rdonly', 'ks:-80@rdonly'],
    ['use `ks:-80`', 'ks:-80'],
    ['use `ks:-80@primary`', 'ks:-80@primary'],
    ['use `my``db`', 'my`db'],
    ['use ks;', 'ks'],
    ['use ks -- comment', 'ks'],
  ])('%s', (sql, target) => expect(analyze(sql)).toMatchObject({ kind: 'use', target }));
});

describe('analyze: SHOW', () => {
  it.each<[string, Want]>([
    ['show databases', { show: 'databases' }],
    ['show schemas like "k%"', { show: 'databases', like: 'k%' }],
    ['show keyspaces', { show: 'keyspaces' }],
    ['show vitess_keyspaces', { show: 'keyspaces' }],
    ['show tables', { show: 'tables', full: false }],
    ["show full tables from ks like 't%'", { show: 'tables', full: true, db: 'ks', like: 't%' }],
    ['show tables in ks where Tables_in_ks = "a"', { show: 'tables', db: 'ks', where: 'Tables_in_ks = "a"' }],
    ['show columns from t', { show: 'columns', table: { name: 't' } }],
    [
      'show full columns from t from ks like "a%"',
      { show: 'columns', full: true, table: { qualifier: 'ks', name: 't' }, like: 'a%' },
    ],
    ['show fields in ks.t', { show: 'columns', table: { qualifier: 'ks', name: 't' } }],
    ['show extended columns from t', { show: 'columns' }],
    ['show index from t', { show: 'index', table: { name: 't' } }],
    ['show indexes in t in ks', { show: 'index', table: { qualifier: 'ks', name: 't' } }],
    ['show keys from t where Key_name = "PRIMARY"', { show: 'index', where: 'Key_name = "PRIMARY"' }],
    ['show create table ks.t', { show: 'create_table', table: { qualifier: 'ks', name: 't' } }],
    ['show create view v', { show: 'create_view', table: { name: 'v' } }],
    ['show create database if not exists db', { show: 'create_database', db: 'db' }],
    ['show create procedure p', { show: 'create_procedure', table: { name: 'p' } }],
    ['show create user u', { show: 'create_user', rest: 'u' }],
    ['show table status from ks like "t"', { show: 'table_status', db: 'ks', like: 't' }],
    ['show vitess_shards', { show: 'vitess_shards' }],
    ['show vitess_tablets like "%primary%"', { show: 'vitess_tablets', like: '%primary%' }],
    ['show vitess_target', { show: 'vitess_target' }],
    ['show vitess_replication_status', { show: 'vitess_replication_status' }],
    ['show vschema tables', { show: 'vschema_tables' }],
    ['show vschema vindexes on ks.t', { show: 'vschema_vindexes', table: { qualifier: 'ks', name: 't' } }],
    ['show warnings', { show: 'warnings' }],
    ['show warnings limit 10', { show: 'warnings', rest: 'limit 10' }],
    ['show errors', { show: 'errors' }],
    ['show count(*) warnings', { show: 'count_warnings' }],
    ['show count(*) errors', { show: 'count_errors' }],
    ['show variables', { show: 'variables' }],
    ["show global variables like 'max%'", { show: 'variables', scope: 'global', like: 'max%' }],
    [
      'show session status where Variable_name = "x"',
      { show: 'status', scope: 'session', where: 'Variable_name = "x"' },
    ],
    ['show status', { show: 'status' }],
    ['show engines', { show: 'engines' }],
    ['show storage engines', { show: 'engines' }],
    ['show engine innodb status', { show: 'engine', rest: 'innodb status' }],
    ['show charset', { show: 'charset' }],
    ['show character set like "utf8%"', { show: 'charset', like: 'utf8%' }],
    ['show collation where Charset = "utf8mb4"', { show: 'collation', where: 'Charset = "utf8mb4"' }],
    ['show processlist', { show: 'processlist', full: false }],
    ['show full processlist', { show: 'processlist', full: true }],
    ['show triggers from ks', { show: 'triggers', db: 'ks' }],
    ['show events', { show: 'events' }],
    ['show plugins', { show: 'plugins' }],
    ['show grants for current_user()', { show: 'grants', rest: 'for current_user()' }],
    ['show privileges', { show: 'privileges' }],
    ['show procedure status', { show: 'procedure_status' }],
    ['show function status like "f"', { show: 'function_status', like: 'f' }],
    ['show open tables', { show: 'open_tables' }],
    ['show master status', { show: 'master_status' }],
    ['show binlog status', { show: 'master_status' }],
    ['show slave status', { show: 'replica_status' }],
    ['show replica status', { show: 'replica_status' }],
    ['show binary logs', { show: 'binary_logs' }],
    ['show profiles', { show: 'profiles' }],
    ['show something_new here', { show: 'other', rest: 'something_new here' }],
  ])('%s', (sql, want) => check(sql, { kind: 'show', ...want }));
});

describe('analyze: transactions and the rest', () => {
  it.each<[string, Want]>([
    ['begin', { kind: 'begin', consistentSnapshot: false }],
    ['start transaction', { kind: 'begin', consistentSnapshot: false }],
    ['start transaction read only', { kind: 'begin', readOnly: true }],
    ['start transaction read write', { kind: 'begin', readOnly: false }],
    [
      'start transaction with consistent snapshot, read only',
      { kind: 'begin', readOnly: true, consistentSnapshot: true },
    ],
    ['rollback to savepoint s1', { kind: 'rollback_to_savepoint', name: 's1' }],
    ['rollback work to `s 1`', { kind: 'rollback_to_savepoint', name: 's 1' }],
    ['savepoint `sp`', { kind: 'savepoint', name: 'sp' }],
    ['release savepoint sp', { kind: 'release_savepoint', name: 'sp' }],
    ['commit and no chain', { kind: 'commit' }],
    ['call ks.proc(1, 2)', { kind: 'call', procedure: { qualifier: 'ks', name: 'proc' } }],
    [
      "load data local infile '/f' replace into table ks.t fields terminated by ','",
      { kind: 'load', local: true, table: { qualifier: 'ks', name: 't' } },
    ],
    [
      'lock tables t read local, ks.u as x low_priority write, v write',
      {
        kind: 'lock_tables',
        tables: [
          { table: { name: 't' }, lock: 'read' },
          { table: { qualifier: 'ks', name: 'u' }, alias: 'x', lock: 'write' },
          { table: { name: 'v' }, lock: 'write' },
        ],
      },
    ],
    ['unlock table', { kind: 'unlock_tables' }],
    ['flush no_write_to_binlog tables t', { kind: 'flush', rest: 'no_write_to_binlog tables t' }],
    ['stream * from ks.t', { kind: 'stream', table: { qualifier: 'ks', name: 't' } }],
    ['optimize table t', { kind: 'other', keyword: 'OPTIMIZE' }],
    ['xa start "x"', { kind: 'other', keyword: 'XA' }],
    ['describe ks.t', { kind: 'show', show: 'columns', table: { qualifier: 'ks', name: 't' } }],
    ['desc t', { kind: 'show', show: 'columns', table: { name: 't' } }],
    ['explain t', { kind: 'show', show: 'columns', table: { name: 't' } }],
    [
      'explain select * from t',
      { kind: 'explain', analyze: false, statementStart: 8, statement: { kind: 'select', tables: [{ name: 't' }] } },
    ],
    ['explain format=json delete from t', { kind: 'explain', format: 'json', statement: { kind: 'delete' } }],
    ['explain format=vitess select 1', { kind: 'explain', format: 'vitess' }],
    ['explain analyze select 1', { kind: 'explain', analyze: true }],
    ['describe select 1', { kind: 'explain', statement: { kind: 'select' } }],
    ['vexplain select 1', { kind: 'explain', vexplain: 'plan', format: 'vitess' }],
    ['vexplain plan select 1', { kind: 'explain', vexplain: 'plan' }],
    ['vexplain queries select * from t', { kind: 'explain', vexplain: 'queries', statement: { kind: 'select' } }],
    ['vexplain all insert into t values (1)', { kind: 'explain', vexplain: 'all', statement: { kind: 'insert' } }],
  ])('%s', check);
});

describe('analyze: directives', () => {
  it('parses /*vt+ */ directives wherever the comment is', () => {
    const info = analyze(
      "select /*vt+ QUERY_TIMEOUT_MS=1000 SCATTER_ERRORS_AS_WARNINGS WORKLOAD_NAME='batch' PLANNER=gen4 SKIP_QUERY_PLAN_CACHE=1 */ * from t",
    );
    expect(Object.fromEntries(info.directives)).toEqual({
      QUERY_TIMEOUT_MS: '1000',
      SCATTER_ERRORS_AS_WARNINGS: 'true',
      WORKLOAD_NAME: 'batch',
      PLANNER: 'gen4',
      SKIP_QUERY_PLAN_CACHE: '1',
    });
    expect(analyze('/*vt+ QUERY_TIMEOUT_MS=5 */ insert into t values (1)').directives.get('QUERY_TIMEOUT_MS')).toBe(
      '5',
    );
    expect(analyze('select 1 /* QUERY_TIMEOUT_MS=5 */').directives.size).toBe(0);
    expect(analyze('/*vt+ X=1 */ /*vt+ X=2 Y */ select 1').directives).toEqual(
      new Map([
        ['X', '2'],
        ['Y', 'true'],
      ]),
    );
  });
});

describe('analyze: errors', () => {
  const bad = [
    'select 1; select 2',
    'savepoint',
    'release s',
    'release savepoint',
    'rollback to',
    'use',
    'set',
    'set x',
    'set x =',
    'set names',
    'set transaction isolation level maybe',
    'start transaction sometimes',
    'show columns t',
    'show create thing x',
    'lock tables t',
    'unlock',
    'begin work now',
    'with x as select 1',
    'show',
    'show count(*) things',
    "select 'x",
    'show tables like 5',
    'explain',
    'set @a = 1 2 ,',
  ];
  it.each(bad)('%j throws 1064', (sql) => {
    let err: unknown;
    try {
      analyze(sql);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VtError);
    expect((err as VtError).errno).toBe(1064);
    expect((err as VtError).sqlState).toBe('42000');
  });
});
