import { describe, expect, it } from 'vitest';
import { directiveFlag, directiveInt, directivesOf, parseDirectives } from './directives.js';
import { tokenize } from './sql-lexer.js';

describe('directives', () => {
  it.each<[string, Record<string, string>]>([
    ['/*vt+ QUERY_TIMEOUT_MS=100 */', { QUERY_TIMEOUT_MS: '100' }],
    ['/*vt+ SCATTER_ERRORS_AS_WARNINGS */', { SCATTER_ERRORS_AS_WARNINGS: 'true' }],
    [
      '/*vt+ WORKLOAD_NAME=\'my app\' PLANNER="gen4" SKIP_QUERY_PLAN_CACHE=1 */',
      { WORKLOAD_NAME: 'my app', PLANNER: 'gen4', SKIP_QUERY_PLAN_CACHE: '1' },
    ],
    ['/*vt+ A = 1  B=  x C */', { A: '1', B: 'x', C: 'true' }],
    ['/*vt+*/', {}],
  ])('%s', (comment, want) => expect(Object.fromEntries(parseDirectives(comment))).toEqual(want));

  it('reads only /*vt+ */ comments and types values', () => {
    const d = directivesOf(
      tokenize('select /* QUERY_TIMEOUT_MS=1 */ /*vt+ QUERY_TIMEOUT_MS=250 ALLOW_SCATTER=false X=y */ 1'),
    );
    expect(directiveInt(d, 'QUERY_TIMEOUT_MS')).toBe(250);
    expect(directiveInt(d, 'X')).toBeUndefined();
    expect(directiveInt(d, 'MISSING')).toBeUndefined();
    expect(directiveFlag(d, 'ALLOW_SCATTER')).toBe(false);
    expect(directiveFlag(d, 'X')).toBe(true);
    expect(directiveFlag(d, 'MISSING')).toBe(false);
  });
});
