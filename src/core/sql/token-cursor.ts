import type { VtError } from '../errors/index.js';
import { RESERVED } from './keywords.js';
import type { TableName } from './statement-info.js';
import { syntaxErrorAt } from './syntax-error.js';
import type { Token } from './token.js';

/**
 * A read position over the significant (non-comment) tokens of one statement, with the small vocabulary the
 * analyzers share: keyword/op matching, identifiers and qualified names. Ends at the first top-level `;`.
 */
export class TokenCursor {
  i = 0;

  constructor(
    readonly sql: string,
    readonly toks: readonly Token[],
  ) {}

  peek(k = 0): Token | undefined {
    return this.toks[this.i + k];
  }

  next(): Token | undefined {
    return this.toks[this.i++];
  }

  /** At the end of the statement (no more tokens or a `;`). */
  done(): boolean {
    const t = this.toks[this.i];
    return t === undefined || (t.kind === 'op' && t.value === ';');
  }

  isKw(word: string, k = 0): boolean {
    const t = this.toks[this.i + k];
    return t !== undefined && t.kind === 'keyword' && t.value === word;
  }

  /** Consumes the keyword sequence `words` if it is next; returns whether it did. */
  acceptKw(...words: string[]): boolean {
    for (let k = 0; k < words.length; k++) if (!this.isKw(words[k]!, k)) return false;
    this.i += words.length;
    return true;
  }

  /** Consumes and returns one of `words` if next, else undefined. */
  acceptAnyKw(words: ReadonlySet<string>): string | undefined {
    const t = this.toks[this.i];
    if (t !== undefined && t.kind === 'keyword' && words.has(t.value)) {
      this.i++;
      return t.value;
    }
    return undefined;
  }

  isOp(op: string, k = 0): boolean {
    const t = this.toks[this.i + k];
    return t !== undefined && t.kind === 'op' && t.value === op;
  }

  acceptOp(op: string): boolean {
    if (!this.isOp(op)) return false;
    this.i++;
    return true;
  }

  /** 1064 at the current token (or at the end of the text). */
  error(): VtError {
    const t = this.toks[this.i];
    return syntaxErrorAt(this.sql, t === undefined ? this.sql.length : t.start);
  }

  /** Consumes an identifier (plain, backticked, or a non-reserved keyword in its source spelling). */
  name(): string {
    const t = this.toks[this.i];
    const n = t === undefined ? undefined : identName(this.sql, t);
    if (n === undefined) throw this.error();
    this.i++;
    return n;
  }

  /** Identifier or string (savepoint/charset/collation names may be quoted). */
  nameOrString(): string {
    const t = this.toks[this.i];
    if (t !== undefined && (t.kind === 'string' || t.kind === 'nstring')) {
      this.i++;
      return t.value;
    }
    return this.name();
  }

  /** `name` or `qualifier.name`. */
  tableName(): TableName {
    const first = this.name();
    if (this.isOp('.') && this.peek(1) !== undefined && identName(this.sql, this.peek(1)!) !== undefined) {
      this.i++;
      return { qualifier: first, name: this.name() };
    }
    return { name: first };
  }

  /** Source text from token index `from` up to (excluding) token index `to`. */
  text(from: number, to: number): string {
    if (to <= from) return '';
    return this.sql.slice(this.toks[from]!.start, this.toks[to - 1]!.end);
  }

  /** Index of the end of the statement (first top-level `;` or the token count). */
  endIndex(): number {
    let depth = 0;
    for (let j = this.i; j < this.toks.length; j++) {
      const t = this.toks[j]!;
      if (t.kind !== 'op') continue;
      if (t.value === '(') depth++;
      else if (t.value === ')') depth--;
      else if (t.value === ';' && depth <= 0) return j;
    }
    return this.toks.length;
  }
}

/** The identifier a token denotes, or undefined when it cannot be one (reserved word, literal, operator). */
export function identName(sql: string, t: Token): string | undefined {
  if (t.kind === 'ident' || t.kind === 'quoted_ident') return t.value;
  if (t.kind === 'keyword' && !RESERVED.has(t.value)) return sql.slice(t.start, t.end);
  return undefined;
}
