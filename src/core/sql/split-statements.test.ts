import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { splitStatements } from './split-statements.js';

describe('splitStatements', () => {
  const cases: [string, string[]][] = [
    ['select 1', ['select 1']],
    ['  select 1  ', ['select 1']],
    ['select 1;', ['select 1']],
    ['select 1; select 2', ['select 1', 'select 2']],
    ['select 1;;; select 2;', ['select 1', 'select 2']],
    ["select ';'; select 2", ["select ';'", 'select 2']],
    ['select ";", `a;b` from t; select 2', ['select ";", `a;b` from t', 'select 2']],
    ['select 1 /* ; */; select 2 -- ;\n; select 3', ['select 1 /* ; */', 'select 2 -- ;', 'select 3']],
    ['select 1 # ;\n; select 2', ['select 1 # ;', 'select 2']],
    ["select 'it''s;'; select 'a\\';b'", ["select 'it''s;'", "select 'a\\';b'"]],
    [
      '/*vt+ QUERY_TIMEOUT_MS=5 */ select 1; /* c */ select 2',
      ['/*vt+ QUERY_TIMEOUT_MS=5 */ select 1', '/* c */ select 2'],
    ],
    ['select 1; -- trailing comment', ['select 1']],
    ['select 1; /* only */ ; select 2', ['select 1', 'select 2']],
    ['/* ping */', ['/* ping */']],
    ['/* ping */;', ['/* ping */']],
    ['', []],
    ['   ', []],
    [';', []],
    [' ; ; ', []],
    [
      'create procedure p() begin select 1; select 2; end; select 3',
      ['create procedure p() begin select 1; select 2; end', 'select 3'],
    ],
    [
      'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.a < 0 THEN SET NEW.a = 0; END IF; ' +
        'CASE NEW.b WHEN 1 THEN SET NEW.c = 1; ELSE BEGIN END; END CASE; SET NEW.d = CASE WHEN 1 THEN 2 END; END; select 1',
      [
        'CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW BEGIN IF NEW.a < 0 THEN SET NEW.a = 0; END IF; ' +
          'CASE NEW.b WHEN 1 THEN SET NEW.c = 1; ELSE BEGIN END; END CASE; SET NEW.d = CASE WHEN 1 THEN 2 END; END',
        'select 1',
      ],
    ],
    ['begin not atomic select 1; select 2; end; select 3', ['begin not atomic select 1; select 2; end', 'select 3']],
    ['begin; select 1; commit', ['begin', 'select 1', 'commit']],
    ['select case when a then 1 end from t; select 2', ['select case when a then 1 end from t', 'select 2']],
    ['/*!40101 SET NAMES utf8 */;\nselect 1', ['/*!40101 SET NAMES utf8 */', 'select 1']],
  ];
  it.each(cases)('%j', (sql, want) => expect(splitStatements(sql)).toEqual(want));

  it('throws 1064 on unterminated strings rather than splitting inside them', () => {
    expect(() => splitStatements("select 1; select 'x;")).toThrow(VtError);
  });
});
