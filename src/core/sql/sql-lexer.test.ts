import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { tokenize } from './sql-lexer.js';
import type { TokenKind } from './token.js';

const kv = (sql: string): [TokenKind, string][] => tokenize(sql).map((t) => [t.kind, t.value]);

describe('Lexer token kinds', () => {
  const cases: [string, [TokenKind, string][]][] = [
    ['foo', [['ident', 'foo']]],
    ['$a_b$1', [['ident', '$a_b$1']]],
    ['_id', [['ident', '_id']]],
    ['café', [['ident', 'café']]],
    ['表名', [['ident', '表名']]],
    ['1abc', [['ident', '1abc']]],
    ['0xg1', [['ident', '0xg1']]],
    ['`a b`', [['quoted_ident', 'a b']]],
    ['`a``b`', [['quoted_ident', 'a`b']]],
    ['SeLeCt', [['keyword', 'SELECT']]],
    ['status', [['keyword', 'STATUS']]],
    ['42', [['int', '42']]],
    ['007', [['int', '007']]],
    ['1.5', [['decimal', '1.5']]],
    ['.5', [['decimal', '.5']]],
    ['1.', [['decimal', '1.']]],
    ['1e10', [['float', '1e10']]],
    ['1.5E-3', [['float', '1.5E-3']]],
    ['2e+7', [['float', '2e+7']]],
    ['0x1F', [['hexnum', '1F']]],
    ["X'1f'", [['hexval', '1f']]],
    ["x''", [['hexval', '']]],
    ['0b101', [['bitnum', '101']]],
    ["b'101'", [['bitval', '101']]],
    ["B'0'", [['bitval', '0']]],
    ["'abc'", [['string', 'abc']]],
    ['"abc"', [['string', 'abc']]],
    ["'it''s'", [['string', "it's"]]],
    ['"say ""hi"""', [['string', 'say "hi"']]],
    ["'a\\'b'", [['string', "a'b"]]],
    ["'\\0\\n\\r\\t\\b\\Z\\\\\\q'", [['string', '\0\n\r\t\b\x1a\\q']]],
    ["'50\\%\\_'", [['string', '50\\%\\_']]],
    ["''", [['string', '']]],
    ["'héllo ☃'", [['string', 'héllo ☃']]],
    ["N'abc'", [['nstring', 'abc']]],
    ["n'a''b'", [['nstring', "a'b"]]],
    [
      "_utf8mb4'abc'",
      [
        ['introducer', 'utf8mb4'],
        ['string', 'abc'],
      ],
    ],
    [
      "_BINARY 'abc'",
      [
        ['introducer', 'binary'],
        ['string', 'abc'],
      ],
    ],
    [
      '_latin1 0x41',
      [
        ['introducer', 'latin1'],
        ['hexnum', '41'],
      ],
    ],
    ['?', [['placeholder', '?']]],
    [':v1', [['bindvar', 'v1']]],
    [':vtg12', [['bindvar', 'vtg12']]],
    ['::vals', [['list_bindvar', 'vals']]],
    ['@x', [['uservar', 'x']]],
    ['@a.b$', [['uservar', 'a.b$']]],
    ["@'my var'", [['uservar', 'my var']]],
    ['@`my var`', [['uservar', 'my var']]],
    ['@"x"', [['uservar', 'x']]],
    ['@@version', [['sysvar', 'version']]],
    ['@@session.autocommit', [['sysvar', 'session.autocommit']]],
    ['@@GLOBAL.max_connections', [['sysvar', 'GLOBAL.max_connections']]],
    ['@@session.`autocommit`', [['sysvar', 'session.autocommit']]],
    ['@@`x`', [['sysvar', 'x']]],
    [
      '-- hi\n1',
      [
        ['comment', '-- hi'],
        ['int', '1'],
      ],
    ],
    ['--', [['comment', '--']]],
    ['# hash\n', [['comment', '# hash']]],
    ['/* c */', [['comment', '/* c */']]],
    ['/**/', [['comment', '/**/']]],
    ['/*+ SET_VAR(x=1) */', [['hint_comment', '/*+ SET_VAR(x=1) */']]],
    ['/*vt+ QUERY_TIMEOUT_MS=100 */', [['directive_comment', '/*vt+ QUERY_TIMEOUT_MS=100 */']]],
    [
      '/*!40101 SET x=1 */',
      [
        ['keyword', 'SET'],
        ['ident', 'x'],
        ['op', '='],
        ['int', '1'],
      ],
    ],
    ['/*!SELECT*/', [['keyword', 'SELECT']]],
    ['/*M!100301 a */', [['ident', 'a']]],
    ['/*!80000 a */', [['ident', 'a']]],
    ['/*M!999999\\- enable the sandbox mode */', [['comment', '/*M!999999\\- enable the sandbox mode */']]],
    [
      '/*!110000 future */ x',
      [
        ['comment', '/*!110000 future */'],
        ['ident', 'x'],
      ],
    ],
    [
      '/*!40101 a /* inner */ b */ c',
      [
        ['ident', 'a'],
        ['comment', '/* inner */'],
        ['ident', 'b'],
        ['ident', 'c'],
      ],
    ],
    [
      'a--1',
      [
        ['ident', 'a'],
        ['op', '-'],
        ['op', '-'],
        ['int', '1'],
      ],
    ],
    [
      't.c',
      [
        ['ident', 't'],
        ['op', '.'],
        ['ident', 'c'],
      ],
    ],
    [
      '`t`.`c`',
      [
        ['quoted_ident', 't'],
        ['op', '.'],
        ['quoted_ident', 'c'],
      ],
    ],
    [
      't.5',
      [
        ['ident', 't'],
        ['op', '.'],
        ['int', '5'],
      ],
    ],
  ];
  it.each(cases)('%s', (sql, want) => expect(kv(sql)).toEqual(want));
});

describe('Lexer operators', () => {
  const ops = [
    '<=>',
    '->>',
    '->',
    ':=',
    '||',
    '&&',
    '<<',
    '>>',
    '!=',
    '<>',
    '<=',
    '>=',
    '=',
    '<',
    '>',
    '!',
    '~',
    '^',
    '&',
    '|',
    '+',
    '-',
    '*',
    '/',
    '%',
    '(',
    ')',
    ',',
    ';',
    '.',
    '{',
    '}',
    ':',
  ];
  it.each(ops)('%s', (op) =>
    expect(kv(`a ${op} b`)).toEqual([
      ['ident', 'a'],
      ['op', op],
      ['ident', 'b'],
    ]),
  );

  it('prefers the longest operator', () => {
    expect(kv('a<=>b->>c->d')).toEqual([
      ['ident', 'a'],
      ['op', '<=>'],
      ['ident', 'b'],
      ['op', '->>'],
      ['ident', 'c'],
      ['op', '->'],
      ['ident', 'd'],
    ]);
    expect(kv('@a:=1')).toEqual([
      ['uservar', 'a'],
      ['op', ':='],
      ['int', '1'],
    ]);
    expect(kv('a<>b!=c')).toEqual([
      ['ident', 'a'],
      ['op', '<>'],
      ['ident', 'b'],
      ['op', '!='],
      ['ident', 'c'],
    ]);
  });
});

describe('Lexer positions', () => {
  it('gives [start, end) source ranges that slice back to the token text', () => {
    const sql = "SELECT `a`, 'x''y' /* c */ FROM t WHERE b = :v1 -- end";
    const toks = tokenize(sql);
    expect(toks.map((t) => sql.slice(t.start, t.end))).toEqual([
      'SELECT',
      '`a`',
      ',',
      "'x''y'",
      '/* c */',
      'FROM',
      't',
      'WHERE',
      'b',
      '=',
      ':v1',
      '-- end',
    ]);
    expect(toks[0]).toEqual({ kind: 'keyword', start: 0, end: 6, value: 'SELECT' });
  });

  it('handles whitespace of every kind', () => {
    expect(kv('a\t\r\n\f\vb')).toEqual([
      ['ident', 'a'],
      ['ident', 'b'],
    ]);
    expect(tokenize('')).toEqual([]);
    expect(tokenize('   \n ')).toEqual([]);
  });
});

describe('Lexer errors', () => {
  const bad: [string, number, string][] = [
    ["select 'abc", 8, "near ''abc' at line 1, position 8"],
    ['select "abc', 8, `near '"abc' at line 1`],
    ["select 'ab\\'", 8, "near ''ab\\'' at line 1"],
    ['select `abc', 8, "near '`abc' at line 1"],
    ['select 1 /* never', 10, "near '/* never' at line 1"],
    ['select /*!40101 1', 8, "near '/*!40101 1' at line 1"],
    ["select X'1g'", 8, "near 'X'1g''"],
    ["select X'123'", 8, "near 'X'123''"],
    ["select b'102'", 8, "near 'b'102''"],
    ["select X'12", 8, "near 'X'12'"],
    ['select\n[1]', 8, "near '[1]' at line 2, position 8"],
    ['select @@', 8, "near '@@'"],
    ['select ::', 8, "near '::'"],
    ['select \\', 8, "near '\\'"],
  ];
  it.each(bad)('%s', (sql, pos, msg) => {
    let err: unknown;
    try {
      tokenize(sql);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VtError);
    const v = err as VtError;
    expect(v.errno).toBe(1064);
    expect(v.sqlState).toBe('42000');
    expect(v.message).toContain('You have an error in your SQL syntax');
    expect(v.message).toContain(msg);
    expect(v.message).toContain(`position ${pos}`);
  });

  it('truncates the snippet to 80 characters', () => {
    const sql = `select '${'x'.repeat(200)}`;
    const msg = (() => {
      try {
        tokenize(sql);
        return '';
      } catch (e) {
        return (e as Error).message;
      }
    })();
    expect(msg).toContain(`near ''${'x'.repeat(79)}' at`);
  });
});
