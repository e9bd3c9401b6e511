import { describe, expect, it } from 'vitest';
import { field } from './field.js';
import { Charset, ColumnFlag, MysqlType, isIntegralType, mysqlTypeName } from './mysql-type.js';
import { collectResults, queryResult, resultEvents, type ResultEvent } from './result.js';

describe('MysqlType', () => {
  it('has the wire codes MySQL uses', () => {
    expect([MysqlType.DECIMAL, MysqlType.TINY, MysqlType.LONGLONG, MysqlType.JSON, MysqlType.NEWDECIMAL]).toEqual([
      0, 1, 8, 245, 246,
    ]);
    expect([
      MysqlType.ENUM,
      MysqlType.SET,
      MysqlType.TINY_BLOB,
      MysqlType.BLOB,
      MysqlType.VAR_STRING,
      MysqlType.STRING,
      MysqlType.GEOMETRY,
    ]).toEqual([247, 248, 249, 252, 253, 254, 255]);
    expect(mysqlTypeName(8)).toBe('LONGLONG');
    expect(mysqlTypeName(77)).toBe('UNKNOWN(77)');
    expect(isIntegralType(MysqlType.YEAR)).toBe(true);
    expect(isIntegralType(MysqlType.DOUBLE)).toBe(false);
  });
});

describe('field()', () => {
  it.each([
    ['BIGINT', MysqlType.LONGLONG, Charset.binary, ColumnFlag.BINARY | ColumnFlag.NUM, 20, 0],
    ['DOUBLE', MysqlType.DOUBLE, Charset.binary, ColumnFlag.BINARY | ColumnFlag.NUM, 22, 31],
    ['VARCHAR', MysqlType.VAR_STRING, Charset.utf8mb4_general_ci, 0, 1020, 0],
    ['DATETIME', MysqlType.DATETIME, Charset.binary, ColumnFlag.BINARY, 19, 0],
    ['JSON', MysqlType.JSON, Charset.utf8mb4_general_ci, ColumnFlag.BLOB, 65535, 0],
  ])('%s gets MySQL-like defaults', (_n, type, charset, flags, len, decimals) => {
    expect(field('c', type)).toEqual({
      name: 'c',
      orgName: 'c',
      table: '',
      orgTable: '',
      database: '',
      type,
      charset,
      columnLength: len,
      flags,
      decimals,
    });
  });

  it('options win, and orgTable follows table', () => {
    const f = field('a', MysqlType.LONG, {
      table: 't',
      flags: ColumnFlag.UNSIGNED,
      charset: 33,
      decimals: 2,
      database: 'db',
    });
    expect(f).toMatchObject({
      table: 't',
      orgTable: 't',
      flags: ColumnFlag.UNSIGNED,
      charset: 33,
      decimals: 2,
      database: 'db',
    });
  });
});

describe('results', () => {
  const fields = [field('a', MysqlType.LONG)];

  it('resultEvents and collectResults round-trip', async () => {
    const r = queryResult({ fields, rows: [['1'], [null]], warnings: 2 });
    const evs = [...resultEvents(r)];
    expect(evs.map((e) => e.kind)).toEqual(['fields', 'rows', 'ok']);
    expect(await collectResults(evs)).toEqual([r]);
    expect([...resultEvents(queryResult({ affectedRows: 3, insertId: 7n, info: 'x' }))]).toEqual([
      { kind: 'ok', affectedRows: 3, insertId: 7n, warnings: 0, info: 'x' },
    ]);
  });

  it('collects several results and a trailing unterminated result set', async () => {
    async function* stream(): AsyncGenerator<ResultEvent> {
      yield { kind: 'ok', affectedRows: 1 };
      yield { kind: 'fields', fields };
      yield { kind: 'rows', rows: [['1']] };
      yield { kind: 'rows', rows: [['2']] };
    }
    const rs = await collectResults(stream());
    expect(rs).toHaveLength(2);
    expect(rs[0]).toMatchObject({ affectedRows: 1, fields: [] });
    expect(rs[1]!.rows).toEqual([['1'], ['2']]);
  });
});
