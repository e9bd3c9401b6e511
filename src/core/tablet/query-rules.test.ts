import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { QueryRules } from './query-rules.js';

const rulesJson = JSON.stringify([
  { Name: 'allow_admin', Description: 'admins may', User: 'admin', Action: 'CONTINUE' },
  {
    Name: 'no_secret',
    Description: 'secret tables are off limits',
    TableNames: ['secret', 'hidden_*'],
    Action: 'FAIL',
  },
  { Name: 'no_scan', Description: 'no full scans of big', Query: 'select \\* from big', Plans: ['Select'] },
  { Name: 'retry_ddl', Description: 'ddl paused', Plans: ['DDL'], Action: 'FAIL_RETRY' },
]);

function deny(
  rules: QueryRules,
  sql: string,
  plan: Parameters<QueryRules['filter']>[1],
  tables: string[],
  user?: string,
): VtError | undefined {
  try {
    rules.filter(sql, plan, tables).check(user === undefined ? {} : { user });
    return undefined;
  } catch (err) {
    return err as VtError;
  }
}

describe('QueryRules', () => {
  const rules = QueryRules.parse(rulesJson);

  it('denies by table name (exact and wildcard, case-insensitive) with Vitess text', () => {
    const e = deny(rules, 'select * from secret', 'Select', ['secret']);
    expect(e).toBeInstanceOf(VtError);
    expect(e?.message).toBe('disallowed due to rule: secret tables are off limits');
    expect(e?.code).toBe('INVALID_ARGUMENT');
    expect(e?.errno).toBe(1105);
    expect(deny(rules, 'update Hidden_X set a=1', 'Update', ['Hidden_X'])?.message).toMatch(/secret tables/);
    expect(deny(rules, 'select * from open', 'Select', ['open'])).toBeUndefined();
  });

  it('denies by anchored query regex only for the listed plans', () => {
    expect(deny(rules, 'select * from big', 'Select', ['big'])?.message).toMatch(/no full scans/);
    expect(deny(rules, 'select * from big where id = 1', 'Select', ['big'])).toBeUndefined();
    expect(deny(rules, 'select * from big', 'SelectLock', ['big'])).toBeUndefined();
  });

  it('FAIL_RETRY is FAILED_PRECONDITION; CONTINUE short-circuits for matching callers', () => {
    expect(deny(rules, 'create table x (id int)', 'DDL', ['x'])?.code).toBe('FAILED_PRECONDITION');
    expect(deny(rules, 'select * from secret', 'Select', ['secret'], 'admin')).toBeUndefined();
  });

  it('rejects malformed rule files clearly', () => {
    expect(() => QueryRules.parse('{')).toThrow(/invalid JSON/);
    expect(() => QueryRules.parse('{}')).toThrow(/array/);
    expect(() => QueryRules.parse('[{"Plans": ["Nope"]}]')).toThrow(/unknown plan type Nope/);
    expect(() => QueryRules.parse('[{"Query": "("}]')).toThrow(/bad Query regexp/);
    expect(() => QueryRules.parse('[{"Action": "DROP"}]')).toThrow(/unknown Action/);
    expect(() => QueryRules.parse('[{"Bogus": 1}]')).toThrow(/unknown field Bogus/);
    expect(() => QueryRules.parse('[{"BindVarConds": [{"Name": "a"}]}]')).toThrow(/not supported/);
  });
});
