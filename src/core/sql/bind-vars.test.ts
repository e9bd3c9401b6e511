import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { bindVar, encodeSqlLiteral, quoteString, substituteBindVars, type BindVar } from './bind-vars.js';

describe('encodeSqlLiteral', () => {
  const cases: [BindVar, string][] = [
    [bindVar.null(), 'null'],
    [bindVar.int(-42), '-42'],
    [bindVar.int(9007199254740993n), '9007199254740993'],
    [bindVar.uint('18446744073709551615'), '18446744073709551615'],
    [bindVar.float(1.5), '1.5'],
    [bindVar.float('-1.5e-7'), '-1.5e-7'],
    [bindVar.decimal('123.4500'), '123.4500'],
    [bindVar.string('abc'), "'abc'"],
    [bindVar.string(''), "''"],
    [bindVar.string("it's"), "'it\\'s'"],
    [bindVar.string('say "hi"'), '\'say \\"hi\\"\''],
    [bindVar.string('back\\slash'), "'back\\\\slash'"],
    [bindVar.string('nul\0byte'), "'nul\\0byte'"],
    [bindVar.string('line\nfeed\r\n'), "'line\\nfeed\\r\\n'"],
    [bindVar.string('ctrl-z\x1a'), "'ctrl-z\\Z'"],
    [bindVar.string('tab\tstays'), "'tab\tstays'"],
    [bindVar.string('ünï ☃ 😀'), "'ünï ☃ 😀'"],
    [bindVar.string("\\'; drop table t; -- "), "'\\\\\\'; drop table t; -- '"],
    [bindVar.bytes(Buffer.from([0, 1, 0xfe, 0xff])), "X'0001feff'"],
    [bindVar.bytes(Buffer.alloc(0)), "X''"],
    [{ type: 'hexnum', value: '1F' }, '0x1F'],
    [{ type: 'hexval', value: 'ab01' }, "X'ab01'"],
    [{ type: 'bitnum', value: '101' }, '0b101'],
    [{ type: 'bitval', value: '' }, "b''"],
    [bindVar.tuple([bindVar.int(1), bindVar.string('a'), bindVar.null()]), "(1, 'a', null)"],
  ];
  it.each(cases)('%j', (bv, sql) => expect(encodeSqlLiteral(bv)).toBe(sql));

  const bad: BindVar[] = [
    { type: 'int', value: '1; drop table t' },
    { type: 'int', value: '' },
    { type: 'uint', value: '1.5' },
    { type: 'float', value: 'NaN' },
    { type: 'float', value: 'Infinity' },
    { type: 'decimal', value: '1e5' },
    { type: 'hexnum', value: '' },
    { type: 'hexnum', value: "1' or 1=1" },
    { type: 'hexval', value: 'abc' },
    { type: 'bitval', value: '102' },
    { type: 'tuple', values: [] },
    { type: 'int', value: 5 as unknown as string },
  ];
  it.each(bad)('rejects %j', (bv) => {
    expect(() => encodeSqlLiteral(bv)).toThrow(VtError);
  });

  it('quoteString leaves strings without special characters as one slice', () => {
    expect(quoteString('plain text 123')).toBe("'plain text 123'");
  });
});

describe('substituteBindVars', () => {
  const bv = {
    id: bindVar.int(7),
    name: bindVar.string("O'Brien"),
    vals: bindVar.tuple([bindVar.int(1), bindVar.int(2), bindVar.int(3)]),
    strs: bindVar.tuple([bindVar.string('a'), bindVar.string("b'c")]),
    bin: bindVar.bytes(Buffer.from('00ff', 'hex')),
    n: bindVar.null(),
  };
  const cases: [string, string][] = [
    ['select * from t where id = :id', 'select * from t where id = 7'],
    ['select * from t where name = :name and id = :id', "select * from t where name = 'O\\'Brien' and id = 7"],
    ['select * from t where id in ::vals', 'select * from t where id in (1, 2, 3)'],
    ['select * from t where s in ::strs', "select * from t where s in ('a', 'b\\'c')"],
    ['insert into t values (:bin, :n)', "insert into t values (X'00ff', null)"],
    ['select \':id\', `:id`, ":id" /* :id */ from t -- :id', 'select \':id\', `:id`, ":id" /* :id */ from t -- :id'],
    ['select @a:=:id', 'select @a:=7'],
    ['select 1', 'select 1'],
  ];
  it.each(cases)('%s', (sql, want) => expect(substituteBindVars(sql, bv)).toBe(want));

  it('fails clearly on a missing variable, a scalar used as a list, or bad SQL', () => {
    expect(() => substituteBindVars('select :nope', bv)).toThrow(/missing bind var nope/);
    expect(() => substituteBindVars('select ::id', bv)).toThrow(/not a tuple/);
    expect(() => substituteBindVars("select :id, 'unterminated", bv)).toThrow(/syntax/);
    expect(() => substituteBindVars('select :toString', bv)).toThrow(/missing bind var toString/);
  });
});
