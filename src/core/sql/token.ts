/**
 * Tokens produced by the SQL lexer. A token is a plain readonly object: its kind, the half-open source range
 * [start, end) in UTF-16 code units of the input string (so `sql.slice(start, end)` is the exact source text),
 * and a decoded `value` whose meaning depends on the kind (see TokenKind). Whitespace produces no tokens;
 * comments do, so consumers that rebuild text (the normalizer) keep them, and consumers that analyse syntax skip
 * them with `isComment`.
 */

/**
 * - ident: unquoted identifier that is not a keyword; value = source text (case preserved).
 * - quoted_ident: backtick-quoted identifier; value = name with `` `` `` unescaped.
 * - keyword: word from the keyword table (reserved or not); value = UPPER-CASE word.
 * - introducer: `_utf8mb4`, `_binary`... before a string/hex/bit literal; value = lower-case charset name.
 * - string: '...' or "..." literal; value = decoded contents (MySQL escapes, doubled quotes).
 * - nstring: N'...' national string; value = decoded contents.
 * - int | decimal | float: numeric literal; value = source text (`007`, `1.50`, `1e3`).
 * - hexnum (0x1F) | hexval (X'1F') | bitnum (0b101) | bitval (b'101'): value = the digits only.
 * - placeholder: `?` prepared-statement parameter; value = '?'.
 * - bindvar: `:name`; list_bindvar: `::name`; value = name.
 * - uservar: `@name`, `@'name'`; value = name (unquoted).
 * - sysvar: `@@name`, `@@session.name`; value = text after `@@` as written.
 * - op: operator or punctuation (`(`, `,`, `;`, `<=>`, `->>`...); value = the operator text.
 * - comment: `-- x`, `# x`, `/* x *\/`; hint_comment: `/*+ x *\/`; directive_comment: `/*vt+ x *\/`;
 *   value = full comment text including delimiters.
 */
export type TokenKind =
  | 'ident'
  | 'quoted_ident'
  | 'keyword'
  | 'introducer'
  | 'string'
  | 'nstring'
  | 'int'
  | 'decimal'
  | 'float'
  | 'hexnum'
  | 'hexval'
  | 'bitnum'
  | 'bitval'
  | 'placeholder'
  | 'bindvar'
  | 'list_bindvar'
  | 'uservar'
  | 'sysvar'
  | 'op'
  | 'comment'
  | 'hint_comment'
  | 'directive_comment';

export interface Token {
  readonly kind: TokenKind;
  readonly start: number;
  readonly end: number;
  readonly value: string;
}

export function isComment(t: Token): boolean {
  return t.kind === 'comment' || t.kind === 'hint_comment' || t.kind === 'directive_comment';
}

/** Literal kinds the normalizer turns into bind variables. */
export function isLiteral(t: Token): boolean {
  switch (t.kind) {
    case 'string':
    case 'nstring':
    case 'int':
    case 'decimal':
    case 'float':
    case 'hexnum':
    case 'hexval':
    case 'bitnum':
    case 'bitval':
      return true;
    default:
      return false;
  }
}

/** True when `t` is the keyword `kw` (upper case). */
export function isKeyword(t: Token | undefined, kw: string): boolean {
  return t !== undefined && t.kind === 'keyword' && t.value === kw;
}

/** True when `t` is the operator/punctuation `op`. */
export function isOp(t: Token | undefined, op: string): boolean {
  return t !== undefined && t.kind === 'op' && t.value === op;
}
