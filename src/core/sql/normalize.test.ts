import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import type { BindVars } from './bind-vars.js';
import { substituteBindVars } from './bind-vars.js';
import { normalize } from './normalize.js';
import { decodeEscapedUtf8 } from '../sqltypes/escaped-utf8.js';

const i = (value: string) => ({ type: 'int' as const, value });
const s = (value: string) => ({ type: 'string' as const, value });

describe('normalize: literals become :vtgN', () => {
  const cases: [string, string, BindVars][] = [
    ['select * from t where id = 1', 'select * from t where id = :vtg1', { vtg1: i('1') }],
    [
      "SELECT a FROM t WHERE b = 'x' AND c = 2.5",
      'SELECT a FROM t WHERE b = :vtg1 AND c = :vtg2',
      { vtg1: s('x'), vtg2: { type: 'decimal', value: '2.5' } },
    ],
    [
      "select 1e3, 0x1F, X'AB', 0b101, b'11'",
      'select :vtg1, :vtg2, :vtg3, :vtg4, :vtg5',
      {
        vtg1: { type: 'float', value: '1e3' },
        vtg2: { type: 'hexnum', value: '1F' },
        vtg3: { type: 'hexval', value: 'AB' },
        vtg4: { type: 'bitnum', value: '101' },
        vtg5: { type: 'bitval', value: '11' },
      },
    ],
    [
      "insert into t (a, b) values (1, 'x'), (2, 'y')",
      'insert into t (a, b) values (:vtg1, :vtg2), (:vtg3, :vtg4)',
      {
        vtg1: i('1'),
        vtg2: s('x'),
        vtg3: i('2'),
        vtg4: s('y'),
      },
    ],
    ['replace into t values (1)', 'replace into t values (:vtg1)', { vtg1: i('1') }],
    [
      "update t set a = 'q' where id = 3 limit 1",
      'update t set a = :vtg1 where id = :vtg2 limit :vtg3',
      { vtg1: s('q'), vtg2: i('3'), vtg3: i('1') },
    ],
    ['delete from t where id in (1, 2)', 'delete from t where id in (:vtg1, :vtg2)', { vtg1: i('1'), vtg2: i('2') }],
    ['select * from t limit 10, 20', 'select * from t limit :vtg1, :vtg2', { vtg1: i('10'), vtg2: i('20') }],
    ['select * from t limit 5 offset 10', 'select * from t limit :vtg1 offset :vtg2', { vtg1: i('5'), vtg2: i('10') }],
    ["select 'it''s', \"dq\"", 'select :vtg1, :vtg2', { vtg1: s("it's"), vtg2: s('dq') }],
    ["select 'a\\nb'", 'select :vtg1', { vtg1: s('a\nb') }],
    ["select N'ñ'", 'select :vtg1', { vtg1: s('ñ') }],
    ["select 'a' 'b'  'c' from t", 'select :vtg1 from t', { vtg1: s('abc') }],
    [
      'select -1, - 2.5, a - 1, a -1, (-3), x = -4',
      'select :vtg1, :vtg2, a - :vtg3, a -:vtg4, (:vtg5), x = :vtg6',
      {
        vtg1: i('-1'),
        vtg2: { type: 'decimal', value: '-2.5' },
        vtg3: i('1'),
        vtg4: i('1'),
        vtg5: i('-3'),
        vtg6: i('-4'),
      },
    ],
    [
      'select 9223372036854775807, 9223372036854775808, 18446744073709551616, -9223372036854775808, -9223372036854775809',
      'select :vtg1, :vtg2, :vtg3, :vtg4, :vtg5',
      {
        vtg1: i('9223372036854775807'),
        vtg2: { type: 'uint', value: '9223372036854775808' },
        vtg3: { type: 'decimal', value: '18446744073709551616' },
        vtg4: i('-9223372036854775808'),
        vtg5: { type: 'decimal', value: '-9223372036854775809' },
      },
    ],
    [
      'WITH c AS (SELECT 1) SELECT * FROM c WHERE x = 2',
      'WITH c AS (SELECT :vtg1) SELECT * FROM c WHERE x = :vtg2',
      { vtg1: i('1'), vtg2: i('2') },
    ],
    ['(select 1) union (select 2)', '(select :vtg1) union (select :vtg2)', { vtg1: i('1'), vtg2: i('2') }],
    ['/* lead */ select 1 # tail', '/* lead */ select :vtg1 # tail', { vtg1: i('1') }],
    ['/*vt+ QUERY_TIMEOUT_MS=100 */ select 1', '/*vt+ QUERY_TIMEOUT_MS=100 */ select :vtg1', { vtg1: i('1') }],
    [
      "select /*!40001 SQL_NO_CACHE */ 1 from t where a='/*x*/'",
      'select /*!40001 SQL_NO_CACHE */ :vtg1 from t where a=:vtg2',
      { vtg1: i('1'), vtg2: s('/*x*/') },
    ],
    ['select * from t where a = :vtg1 and b = 5', 'select * from t where a = :vtg1 and b = :vtg2', { vtg2: i('5') }],
    ['select true, false, null from t', 'select true, false, null from t', {}],
  ];
  it.each(cases)('%s', (sql, normalized, bindVars) => {
    const r = normalize(sql);
    expect(r.normalized).toBe(normalized);
    expect(r.bindVars).toEqual(bindVars);
    expect(r.paramCount).toBe(0);
  });
});

describe('normalize: literals that stay', () => {
  const kept: [string, string][] = [
    ['select a from t order by 1', 'select a from t order by 1'],
    [
      'select a, b from t group by 1, 2 order by 2 desc, 1 asc limit 3',
      'select a, b from t group by 1, 2 order by 2 desc, 1 asc limit :vtg1',
    ],
    ['select a from t group by 1 with rollup', 'select a from t group by 1 with rollup'],
    ['select a from t order by a + 1', 'select a from t order by a + :vtg1'],
    ['select row_number() over (order by 1) from t', 'select row_number() over (order by 1) from t'],
    ['select date_add(d, interval 1 day) from t', 'select date_add(d, interval 1 day) from t'],
    ["select d - interval '1:30' hour_minute from t", "select d - interval '1:30' hour_minute from t"],
    [
      'select cast(a as decimal(10, 2)), cast(b as char(3)) from t',
      'select cast(a as decimal(10, 2)), cast(b as char(3)) from t',
    ],
    ['select convert(b, char(3)), char(65, 66) from t', 'select convert(b, char(3)), char(:vtg1, :vtg2) from t'],
    [
      "select _utf8mb4'x', _binary 0x00, _latin1 X'41' from t",
      "select _utf8mb4'x', _binary 0x00, _latin1 X'41' from t",
    ],
    ["select a as 'alias' from t", "select a as 'alias' from t"],
    ["select a as 'ali' 'as' from t", "select a as 'ali' 'as' from t"],
    ["select a collate 'utf8mb4_bin' from t", "select a collate 'utf8mb4_bin' from t"],
    ["select j->'$.a', j->>'$.b' from t", "select j->'$.a', j->>'$.b' from t"],
    [
      "select date '2020-01-01', timestamp '2020-01-01 00:00:00'",
      "select date '2020-01-01', timestamp '2020-01-01 00:00:00'",
    ],
    ["select * from t into outfile '/tmp/x'", "select * from t into outfile '/tmp/x'"],
    ['select /*vt+ PLANNER=gen4 X=5 */ a from t', 'select /*vt+ PLANNER=gen4 X=5 */ a from t'],
    ['select "/* 1 */" -- 2', 'select :vtg1 -- 2'],
  ];
  it.each(kept)('%s', (sql, normalized) => expect(normalize(sql).normalized).toBe(normalized));

  const passThrough = [
    'create table t (id int default 5, c varchar(10))',
    "alter table t add column c int default 1 comment 'x'",
    'drop table t',
    'truncate table t',
    "set @a = 1, sql_mode = 'ANSI'",
    'set names utf8mb4',
    "show tables like 'a%'",
    'use ks',
    'begin',
    'explain select 1',
    "call p(1, 'x')",
    'savepoint s1',
  ];
  it.each(passThrough)('passes through %s', (sql) => {
    expect(normalize(sql)).toEqual({ normalized: sql, bindVars: {}, paramCount: 0 });
  });
});

describe('normalize: placeholders', () => {
  it('renames ? to :v1..:vN and counts them, alongside literals', () => {
    const r = normalize("select * from t where a = ? and b = 'x' and c in (?, ?)");
    expect(r.normalized).toBe('select * from t where a = :v1 and b = :vtg1 and c in (:v2, :v3)');
    expect(r.paramCount).toBe(3);
    expect(r.bindVars).toEqual({ vtg1: s('x') });
  });
  it('renames placeholders even where literals stay', () => {
    expect(normalize('set @a = ?')).toEqual({ normalized: 'set @a = :v1', bindVars: {}, paramCount: 1 });
    expect(normalize("select '?' from t where a = ?").normalized).toBe('select :vtg1 from t where a = :v1');
  });
});

describe('normalize: options and errors', () => {
  it('shares one variable between equal literals when asked', () => {
    const r = normalize("select * from t where a = 1 and b = 1 and c = '1' and d = 2", { reuseEqualValues: true });
    expect(r.normalized).toBe('select * from t where a = :vtg1 and b = :vtg1 and c = :vtg2 and d = :vtg3');
    expect(r.bindVars).toEqual({ vtg1: i('1'), vtg2: s('1'), vtg3: i('2') });
  });
  it('returns the input string itself when nothing changes', () => {
    const sql = 'select a from t';
    expect(normalize(sql).normalized).toBe(sql);
  });
  it('throws 1064 for text that does not lex', () => {
    expect(() => normalize("select 'x")).toThrow(VtError);
    try {
      normalize("select 'x");
    } catch (e) {
      expect((e as VtError).errno).toBe(1064);
    }
  });
});

describe('normalize + substituteBindVars round trip', () => {
  const queries = [
    "select * from t where a = 'it''s' and b = -5 and c = 1.25e-3 and d = 0xFF and e = X'00ff'",
    "insert into t values ('a\\\\b', 'tab\\there', 'nul\\0', 'quote\\'s', \"dq\"\"\")",
    "select * from t where name = 'héllo ☃ 😀' and x in (1, 2, 3) limit 10",
  ];
  it.each(queries)('%s', (sql) => {
    const r = normalize(sql);
    const back = substituteBindVars(r.normalized, r.bindVars);
    // Re-normalizing the substituted text yields the same normalized query and equal values.
    const again = normalize(back);
    expect(again.normalized).toBe(r.normalized);
    expect(again.bindVars).toEqual(r.bindVars);
  });
});

describe('normalize: literals that are not valid UTF-8', () => {
  it('a string literal holding raw bytes becomes a bytes bind var with the exact bytes', () => {
    // What pymysql sends for b"\x00\x01\xff": the bytes raw inside quotes, NUL escaped.
    const wire = Buffer.concat([
      Buffer.from("insert into t values (1, '\\0"),
      Buffer.of(0x01, 0xff),
      Buffer.from("')"),
    ]);
    const r = normalize(decodeEscapedUtf8(wire));
    expect(r.normalized).toBe('insert into t values (:vtg1, :vtg2)');
    expect(r.bindVars['vtg2']).toEqual({ type: 'bytes', value: Buffer.of(0x00, 0x01, 0xff) });
    expect(substituteBindVars(r.normalized, r.bindVars)).toBe("insert into t values (1, X'0001ff')");
  });
});
