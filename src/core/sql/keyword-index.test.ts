import { describe, expect, it } from 'vitest';
import { KeywordIndex } from './keyword-index.js';
import { KEYWORDS } from './keywords.js';

describe('KeywordIndex', () => {
  const idx = new KeywordIndex();

  it('finds every keyword in upper, lower and mixed case, as the canonical upper-case string', () => {
    for (const k of KEYWORDS) {
      const text = ` ${k.toLowerCase()} ${k} ${[...k].map((ch, i) => (i % 2 ? ch.toLowerCase() : ch)).join('')} `;
      expect(idx.find(text, 1, 1 + k.length)).toBe(k);
      expect(idx.find(text, 2 + k.length, 2 + 2 * k.length)).toBe(k);
      expect(idx.find(text, 3 + 2 * k.length, 3 + 3 * k.length)).toBe(k);
    }
  });

  it('does not match identifiers, prefixes, longer words or non-ASCII look-alikes', () => {
    for (const w of ['sbtest1', 'selec', 'selectx', 'id', 'ſelect', 'SELECT_', 'x'.repeat(80), 'séléct']) {
      expect(idx.find(w, 0, w.length)).toBeUndefined();
    }
    expect(idx.find('xSELECTx', 1, 7)).toBe('SELECT');
  });
});
