import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { substituteBindVars } from './bind-vars.js';

describe('substituteBindVars', () => {
  it('substitutes scalars, lists and buffers outside quotes and comments', () => {
    expect(
      substituteBindVars("select :a, ':b', /* :c */ :s from t where id in ::ids and x = :buf and y := 1", {
        a: 1,
        s: "it's\n",
        ids: [1n, 'x'],
        buf: Buffer.from([0, 255]),
      }),
    ).toBe("select 1, ':b', /* :c */ 'it\\'s\\n' from t where id in (1, 'x') and x = X'00ff' and y := 1");
  });

  it('fails on a missing bind variable', () => {
    expect(() => substituteBindVars('select :nope', {})).toThrow(VtError);
    expect(() => substituteBindVars('select :nope', {})).toThrow(/missing bind var nope/);
  });

  it('leaves SQL without placeholders untouched', () => {
    expect(substituteBindVars('select 1', { a: 1 })).toBe('select 1');
  });
});
