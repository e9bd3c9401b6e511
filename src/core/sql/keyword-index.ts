import { KEYWORDS } from './keywords.js';

/** Case-folded hash of ASCII word characters: letters fold to upper case; digits, `_` and `$` as they are. */
function foldHash(h: number, c: number): number {
  return (Math.imul(h, 31) + (c >= 97 && c <= 122 ? c - 32 : c)) | 0;
}

/**
 * The keyword table indexed for the lexer: finds the keyword spelled by `sql[start, end)` in any letter case
 * without slicing or upper-casing the text (every word of every statement goes through here). Returns the
 * keyword's canonical upper-case string, the same string for every occurrence.
 */
export class KeywordIndex {
  private readonly byHash = new Map<number, string[]>();
  private readonly maxLength: number;

  constructor(words: Iterable<string> = KEYWORDS) {
    let max = 0;
    for (const w of words) {
      let h = w.length;
      for (let i = 0; i < w.length; i++) h = foldHash(h, w.charCodeAt(i));
      const list = this.byHash.get(h);
      if (list === undefined) this.byHash.set(h, [w]);
      else list.push(w);
      if (w.length > max) max = w.length;
    }
    this.maxLength = max;
  }

  /** The keyword `sql[start, end)` spells (case-insensitively), or undefined. */
  find(sql: string, start: number, end: number): string | undefined {
    const n = end - start;
    if (n > this.maxLength) return undefined;
    let h = n;
    for (let i = start; i < end; i++) {
      const c = sql.charCodeAt(i);
      if (c >= 128) return undefined;
      h = foldHash(h, c);
    }
    const list = this.byHash.get(h);
    if (list === undefined) return undefined;
    for (const w of list) {
      if (w.length !== n) continue;
      let i = 0;
      while (i < n) {
        const c = sql.charCodeAt(start + i);
        if ((c >= 97 && c <= 122 ? c - 32 : c) !== w.charCodeAt(i)) break;
        i++;
      }
      if (i === n) return w;
    }
    return undefined;
  }
}
