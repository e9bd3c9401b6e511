import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { analyze } from './analyze.js';
import { substituteBindVars } from './bind-vars.js';
import { normalize } from './normalize.js';
import { splitStatements } from './split-statements.js';
import { tokenize } from './sql-lexer.js';

// Property-style tests over seeded pseudo-random input: every entry point either succeeds or throws a VtError
// (never a TypeError, RangeError or a hang), and the lexer/normalizer invariants hold on whatever lexes.

function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const ALPHABET = '\'"`\\/*-#@:?;()!M+vt0x1b.eEN_ \n\t,=<>|&%^~{}[]$é😀\0';
const FRAGMENTS = [
  'select',
  'from',
  'where',
  'insert into',
  'values',
  'update',
  'set',
  'delete',
  'limit',
  'order by',
  'group by',
  'union',
  'for update',
  'lock in share mode',
  'into',
  'show',
  'tables',
  'use',
  'begin',
  'rollback to',
  'savepoint',
  'create table',
  'drop',
  'with',
  'as',
  'join',
  'on',
  'explain',
  'vexplain',
  'lock tables',
  'names',
  'transaction',
  'isolation level',
  'count(*)',
  '@@session.x',
  '@u',
  ':v1',
  '::l',
  '?',
  "'s'",
  '"d"',
  '`q`',
  '0x1F',
  "X'AB'",
  "b'1'",
  '1.5e3',
  '-',
  '/*vt+ QUERY_TIMEOUT_MS=1 */',
  '/*!40101',
  '*/',
  '-- c\n',
  '#c\n',
  '(',
  ')',
  ',',
  ';',
  'interval',
  'cast(',
  'decimal(',
  'begin not atomic',
  'end',
  'case',
  'create procedure p()',
  'ks.t',
  't',
];
const SEEDS = [
  "select a, 'x' from ks.t where id in (1, 2) and b = -3.5 order by 1 limit 10",
  "insert into t (a, b) values (0x1F, X'AB'), (?, 'it''s') on duplicate key update a = 1",
  "/*vt+ QUERY_TIMEOUT_MS=10 */ update t set a = _utf8mb4'x' where d > now() - interval 1 day",
  'set names utf8mb4 collate utf8mb4_bin, autocommit = 1, @a := @@session.sql_mode',
  'use `ks:-80@replica`; show full columns from t from ks like "a%"; begin; commit',
];

function gen(r: () => number): string {
  const mode = r();
  let out = '';
  if (mode < 0.35) {
    const n = Math.floor(r() * 40);
    for (let k = 0; k < n; k++) out += ALPHABET[Math.floor(r() * ALPHABET.length)];
  } else if (mode < 0.7) {
    const n = 1 + Math.floor(r() * 12);
    for (let k = 0; k < n; k++) out += FRAGMENTS[Math.floor(r() * FRAGMENTS.length)] + (r() < 0.8 ? ' ' : '');
  } else {
    out = SEEDS[Math.floor(r() * SEEDS.length)]!;
    const edits = 1 + Math.floor(r() * 3);
    for (let k = 0; k < edits; k++) {
      const at = Math.floor(r() * (out.length + 1));
      if (r() < 0.5) out = out.slice(0, at) + ALPHABET[Math.floor(r() * ALPHABET.length)] + out.slice(at);
      else out = out.slice(0, at);
    }
  }
  return out;
}

function onlyVtError(f: () => void, input: string): void {
  try {
    f();
  } catch (e) {
    if (!(e instanceof VtError)) throw new Error(`non-VtError ${String(e)} for input ${JSON.stringify(input)}`);
  }
}

describe('fuzz', () => {
  const r = rng(0x5eed);
  const inputs = Array.from({ length: 6000 }, () => gen(r));

  it('every entry point throws only VtError', () => {
    let lexed = 0;
    for (const sql of inputs) {
      onlyVtError(() => {
        tokenize(sql);
        lexed++;
      }, sql);
      onlyVtError(() => normalize(sql), sql);
      onlyVtError(() => splitStatements(sql), sql);
      onlyVtError(() => analyze(sql), sql);
      onlyVtError(() => substituteBindVars(sql, {}), sql);
    }
    // The generator must exercise the success paths too, not only errors.
    expect(lexed).toBeGreaterThan(inputs.length / 4);
  });

  it('tokens are ordered, in bounds and non-overlapping', () => {
    for (const sql of inputs) {
      let toks;
      try {
        toks = tokenize(sql);
      } catch {
        continue;
      }
      let prevEnd = 0;
      for (const t of toks) {
        expect(t.start >= prevEnd && t.end > t.start && t.end <= sql.length, JSON.stringify(sql)).toBe(true);
        prevEnd = t.end;
      }
    }
  });

  it('normalize then substitute then normalize is a fixed point', () => {
    let checked = 0;
    for (const sql of inputs) {
      let n;
      try {
        n = normalize(sql);
      } catch {
        continue;
      }
      if (n.paramCount > 0 || tokenize(sql).some((t) => t.kind === 'bindvar' || t.kind === 'list_bindvar')) continue;
      const back = substituteBindVars(n.normalized, n.bindVars);
      const again = normalize(back);
      expect(again.normalized, JSON.stringify(sql)).toBe(n.normalized);
      expect(again.bindVars, JSON.stringify(sql)).toEqual(n.bindVars);
      checked++;
    }
    expect(checked).toBeGreaterThan(500);
  });

  it('splitStatements pieces of lexable input are slices that lex on their own', () => {
    for (const sql of inputs) {
      let pieces: string[];
      try {
        tokenize(sql);
        pieces = splitStatements(sql);
      } catch {
        continue;
      }
      for (const p of pieces) {
        expect(sql.includes(p)).toBe(true);
        expect(() => tokenize(p), JSON.stringify(sql)).not.toThrow();
      }
    }
  });
});
