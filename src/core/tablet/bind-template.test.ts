import { describe, expect, it } from 'vitest';
import { bindVar, substituteBindVars, type BindVars } from '../sql/index.js';
import { BindTemplate } from './bind-template.js';

/** The outcome of a substitution: its text or its error message. */
function outcome(f: () => string): string {
  try {
    return f();
  } catch (err) {
    return `error: ${(err as Error).message}`;
  }
}

const vars: BindVars = {
  id: bindVar.int(42),
  s: bindVar.string("it's"),
  b: bindVar.bytes(Buffer.from([0, 255])),
  list: bindVar.tuple([bindVar.int(1), bindVar.string('x')]),
  bad: { type: 'int', value: '1; drop table t' },
};

describe('BindTemplate', () => {
  const cases = [
    'select 1',
    'select c from sbtest1 where id = :id',
    'select :id, :s, :b from t where a in ::list limit 10001',
    "select ':id' as quoted, `:s` from t /* :id */ where x = :id -- :s\n and y = :s",
    'select :missing from t',
    'select :s from t where x in ::id',
    'select :bad',
    'select :id, :id',
    "select :id, 'unterminated",
    "select :missing, 'unterminated",
    'select a::b',
  ];
  it.each(cases)('renders %j exactly as substituteBindVars', (sql) => {
    const t = BindTemplate.compile(sql);
    const want = outcome(() => substituteBindVars(sql, vars));
    if (t === undefined) {
      // Only SQL that does not lex is left to substituteBindVars.
      expect(want).toMatch(/^error: /);
      return;
    }
    expect(outcome(() => t.render(vars))).toBe(want);
    // Rendering twice gives the same result (the template is reusable).
    expect(outcome(() => t.render(vars))).toBe(want);
  });

  it('returns SQL without bind variables unchanged and compiles a statement that does not lex to undefined', () => {
    const sql = 'select 1 from dual';
    expect(BindTemplate.compile(sql)!.render({})).toBe(sql);
    expect(BindTemplate.compile("select :id, 'unterminated")).toBeUndefined();
  });
});
