import { describe, expect, it } from 'vitest';
import { sqlStatementAnalyzer } from './statement-classifier.js';

const a = (sql: string) => sqlStatementAnalyzer.analyze(sql);

describe('sqlStatementAnalyzer', () => {
  it.each([
    ['select * from t', 'select'],
    ['(select 1) union (select 2)', 'select'],
    ['with x as (select 1) select * from x', 'select'],
    ['insert into t values (1)', 'insert'],
    ['replace into t values (1)', 'insert'],
    ['UPDATE t SET a=1', 'update'],
    ['delete from t where id=1', 'delete'],
    ['create table t (id int)', 'ddl'],
    ['alter table t add column x int', 'ddl'],
    ['truncate table t', 'ddl'],
    ['set @@session.sql_mode = ""', 'set'],
    ['show tables', 'show'],
    ['describe t', 'show'],
    ['explain select 1', 'other_read'],
    ['optimize table t', 'other_admin'],
    ['begin', 'begin'],
    ['start transaction', 'begin'],
    ['commit', 'commit'],
    ['rollback', 'rollback'],
    ['rollback to savepoint s1', 'srollback'],
    ['savepoint s1', 'savepoint'],
    ['release savepoint s1', 'release'],
    ['/* c */ -- x\n select 1', 'select'],
  ])('classifies %s as %s', (sql, kind) => {
    expect(a(sql).kind).toBe(kind);
  });

  it('finds tables in FROM lists, joins, subqueries and DML targets', () => {
    expect(a('select * from t1 a, `t 2` as b join db.t3 on 1 where x in (select y from t4)').tables).toEqual([
      't1',
      't 2',
      't3',
      't4',
    ]);
    expect(a('insert into T5 (a) select a from t6').tables).toEqual(['T5', 't6']);
    expect(a('update low_priority t7 set a = 1').tables).toEqual(['t7']);
    expect(a('delete from t8 where id = 1').tables).toEqual(['t8']);
    expect(a('drop table if exists t9').tables).toEqual(['t9']);
    expect(a('select 1 from dual').tables).toEqual([]);
    expect(a("select 'from x' from t10").tables).toEqual(['t10']);
  });

  it('places the row-cap limit before locking clauses and after the last token', () => {
    const cases: [string, string][] = [
      ['select * from t', 'select * from t limit 10001'],
      ['select * from t;  ', 'select * from t limit 10001;  '],
      ['select * from t for update', 'select * from t limit 10001 for update'],
      ['select * from t where a = 1 lock in share mode', 'select * from t where a = 1 limit 10001 lock in share mode'],
      ['select * from t for share', 'select * from t limit 10001 for share'],
      [
        'select a from t where b in (select c from u for update) -- x',
        'select a from t where b in (select c from u for update) limit 10001 -- x',
      ],
    ];
    for (const [sql, want] of cases) {
      const info = a(sql);
      expect(info.hasLimit).toBe(false);
      expect(sql.slice(0, info.limitInsertAt) + ' limit 10001' + sql.slice(info.limitInsertAt)).toBe(want);
    }
    expect(a('select * from t for update').locking).toBe(true);
    expect(a('select * from t').locking).toBe(false);
  });

  it('sees only top-level LIMIT', () => {
    expect(a('select * from t limit 5').hasLimit).toBe(true);
    expect(a('select * from t where id in (select id from u limit 3)').hasLimit).toBe(false);
    expect(a("select 'limit' from t").hasLimit).toBe(false);
  });
});
