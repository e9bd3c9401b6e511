import { KeywordIndex } from './keyword-index.js';
import { INTRODUCER_CHARSETS } from './keywords.js';
import { syntaxErrorAt } from './syntax-error.js';
import type { Token, TokenKind } from './token.js';

// Character classes for the ASCII range; everything >= 0x80 is an identifier character, as in MySQL's
// unquoted identifiers (U+0080..U+FFFF).
const C_IDENT = 1; // letters, _, $
const C_DIGIT = 2;
const C_SPACE = 4;
const C_HEX = 8;
const CLASS = new Uint8Array(128);
for (let c = 0; c < 128; c++) {
  const ch = String.fromCharCode(c);
  if (/[A-Za-z_$]/.test(ch)) CLASS[c]! |= C_IDENT;
  if (/[0-9]/.test(ch)) CLASS[c]! |= C_DIGIT;
  if (/[0-9A-Fa-f]/.test(ch)) CLASS[c]! |= C_HEX;
  if (c === 32 || (c >= 9 && c <= 13)) CLASS[c]! |= C_SPACE;
}

function isIdentStart(c: number): boolean {
  return c >= 128 || (CLASS[c]! & C_IDENT) !== 0;
}
function isIdentPart(c: number): boolean {
  return c >= 128 || (CLASS[c]! & (C_IDENT | C_DIGIT)) !== 0;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}
function isHex(c: number): boolean {
  return c < 128 && (CLASS[c]! & C_HEX) !== 0;
}
/** Bind-variable name characters (Vitess style `:vtg1`, `:v1`, `::vals`). */
function isBindPart(c: number): boolean {
  return c < 128 && (CLASS[c]! & (C_IDENT | C_DIGIT)) !== 0 && c !== 36;
}
function isVarPart(c: number): boolean {
  return isIdentPart(c) || c === 46; // user/system variable names may contain '.'
}

/** MariaDB 10.11, the server vt runs behind its tablets. */
export const DEFAULT_SERVER_VERSION = 101100;

/** Immutable after construction: the keyword table, indexed for case-insensitive lookups without slicing. */
const KEYWORD_INDEX = new KeywordIndex();
const Q = 39; // '
const DQ = 34; // "
const BT = 96; // `
const BSL = 92; // \

/**
 * MySQL/MariaDB lexer over one SQL string. `next()` returns tokens in source order (comments included) and
 * `undefined` at the end. Errors: an unterminated string, identifier or comment, a malformed X'..'/b'..'
 * literal or a character MySQL does not accept throws VtError 1064/42000 pointing at the offending offset.
 *
 * Executable comments (`/*!50001 ... *\/`, MariaDB's `/*M!100301 ... *\/`) whose version is not above
 * `serverVersion` are expanded as mysqld does: their markers produce no token and their contents lex as
 * ordinary SQL; the source text is untouched, so the markers survive any slice-based rewriting.
 */
export class Lexer {
  private pos = 0;
  private versionedStart = -1; // offset of the open `/*!` while inside an executable comment
  private lastKind: TokenKind | undefined;

  /**
   * @param serverVersion version executable comments are compared with, in their MMmmpp form (MariaDB 10.11.0 =
   *   101100); `/*!NNNNN` with a higher number is an ordinary comment.
   */
  constructor(
    readonly sql: string,
    private readonly serverVersion: number = DEFAULT_SERVER_VERSION,
  ) {}

  /** True while the last token returned lies inside an executable comment (`/*!...`). */
  get inExecutableComment(): boolean {
    return this.versionedStart >= 0;
  }

  next(): Token | undefined {
    const s = this.sql;
    const n = s.length;
    for (;;) {
      let c = s.charCodeAt(this.pos);
      while (this.pos < n && c < 128 && (CLASS[c]! & C_SPACE) !== 0) c = s.charCodeAt(++this.pos);
      if (this.pos >= n) {
        if (this.versionedStart >= 0) throw syntaxErrorAt(s, this.versionedStart);
        return undefined;
      }
      const start = this.pos;
      const c1 = s.charCodeAt(start + 1);
      // Comments and executable-comment markers first; they may loop back without producing a token.
      if (c === 47 /* / */ && c1 === 42 /* * */) {
        const bang =
          s.charCodeAt(start + 2) === 33 ? 3 : s.charCodeAt(start + 2) === 77 && s.charCodeAt(start + 3) === 33 ? 4 : 0;
        if (bang > 0 && this.versionedStart < 0) {
          let p = start + bang;
          while (p < n && isDigit(s.charCodeAt(p))) p++;
          // A version above the server's makes the comment an ordinary comment, as in mysqld (`/*M!999999\- ...`).
          if (p - (start + bang) < 5 || Number(s.slice(start + bang, p)) <= this.serverVersion) {
            this.versionedStart = start;
            this.pos = p;
            continue;
          }
        }
        const close = s.indexOf('*/', start + 2);
        if (close < 0) throw syntaxErrorAt(s, start);
        this.pos = close + 2;
        const text = s.slice(start, this.pos);
        const kind: TokenKind =
          s.charCodeAt(start + 2) === 43 /* + */
            ? 'hint_comment'
            : text.startsWith('/*vt+')
              ? 'directive_comment'
              : 'comment';
        return this.tok(kind, start, text);
      }
      if (c === 42 /* * */ && c1 === 47 && this.versionedStart >= 0) {
        this.versionedStart = -1;
        this.pos = start + 2;
        continue;
      }
      if (c === 35 /* # */ || (c === 45 && c1 === 45 && (start + 2 >= n || s.charCodeAt(start + 2) <= 32))) {
        let e = s.indexOf('\n', start);
        if (e < 0) e = n;
        this.pos = e;
        return this.tok('comment', start, s.slice(start, e));
      }
      if (c === Q || c === DQ) return this.scanString(start, start, 'string');
      if (c === BT) return this.scanQuotedIdent(start);
      if (isDigit(c)) return this.scanNumber(start);
      if (c === 46 /* . */ && isDigit(c1) && this.lastKind !== 'ident' && this.lastKind !== 'quoted_ident') {
        return this.scanNumber(start);
      }
      if (isIdentStart(c)) return this.scanWord(start);
      switch (c) {
        case 63 /* ? */:
          return this.op(start, 1, 'placeholder');
        case 58 /* : */:
          return this.scanColon(start);
        case 64 /* @ */:
          return this.scanVariable(start);
        case 60 /* < */:
          if (c1 === 61) return s.charCodeAt(start + 2) === 62 ? this.op(start, 3) : this.op(start, 2);
          return this.op(start, c1 === 62 || c1 === 60 ? 2 : 1);
        case 62 /* > */:
          return this.op(start, c1 === 61 || c1 === 62 ? 2 : 1);
        case 33 /* ! */:
          return this.op(start, c1 === 61 ? 2 : 1);
        case 124 /* | */:
          return this.op(start, c1 === 124 ? 2 : 1);
        case 38 /* & */:
          return this.op(start, c1 === 38 ? 2 : 1);
        case 45 /* - */:
          if (c1 === 62) return this.op(start, s.charCodeAt(start + 2) === 62 ? 3 : 2);
          return this.op(start, 1);
        case 61: // =
        case 126: // ~
        case 94: // ^
        case 43: // +
        case 42: // *
        case 47: // /
        case 37: // %
        case 40: // (
        case 41: // )
        case 44: // ,
        case 59: // ;
        case 46: // .
        case 123: // {
        case 125: // }
          return this.op(start, 1);
        default:
          throw syntaxErrorAt(s, start);
      }
    }
  }

  private tok(kind: TokenKind, start: number, value: string): Token {
    this.lastKind = kind;
    return { kind, start, end: this.pos, value };
  }

  private op(start: number, len: number, kind: TokenKind = 'op'): Token {
    this.pos = start + len;
    return this.tok(kind, start, this.sql.slice(start, start + len));
  }

  /** '...' / "..." starting at `quote` (the token itself may start earlier, at an N prefix). */
  private scanString(start: number, quote: number, kind: TokenKind): Token {
    const s = this.sql;
    const q = s.charCodeAt(quote);
    let i = quote + 1;
    let simple = true;
    for (;;) {
      if (i >= s.length) throw syntaxErrorAt(s, start);
      const c = s.charCodeAt(i);
      if (c === BSL) {
        simple = false;
        i += 2;
      } else if (c === q) {
        if (s.charCodeAt(i + 1) !== q) break;
        simple = false;
        i += 2;
      } else i++;
    }
    this.pos = i + 1;
    return this.tok(kind, start, simple ? s.slice(quote + 1, i) : decodeString(s, quote + 1, i, q));
  }

  private scanQuotedIdent(start: number): Token {
    const s = this.sql;
    let i = start + 1;
    let simple = true;
    for (;;) {
      const close = s.indexOf('`', i);
      if (close < 0) throw syntaxErrorAt(s, start);
      if (s.charCodeAt(close + 1) !== BT) {
        i = close;
        break;
      }
      simple = false;
      i = close + 2;
    }
    this.pos = i + 1;
    const raw = s.slice(start + 1, i);
    return this.tok('quoted_ident', start, simple ? raw : raw.replaceAll('``', '`'));
  }

  private scanNumber(start: number): Token {
    const s = this.sql;
    const n = s.length;
    const c1 = s.charCodeAt(start + 1);
    if (s.charCodeAt(start) === 48 && (c1 === 120 || c1 === 98) /* 0x 0b */) {
      let i = start + 2;
      const hex = c1 === 120;
      while (i < n && (hex ? isHex(s.charCodeAt(i)) : s.charCodeAt(i) === 48 || s.charCodeAt(i) === 49)) i++;
      if (i > start + 2 && !(i < n && isIdentPart(s.charCodeAt(i)))) {
        this.pos = i;
        return this.tok(hex ? 'hexnum' : 'bitnum', start, s.slice(start + 2, i));
      }
      return this.scanWord(start); // `0xg1`, `0b2` are identifiers in MySQL
    }
    let i = start;
    while (i < n && isDigit(s.charCodeAt(i))) i++;
    let kind: TokenKind = 'int';
    if (s.charCodeAt(i) === 46) {
      kind = 'decimal';
      i++;
      while (i < n && isDigit(s.charCodeAt(i))) i++;
    }
    const e = s.charCodeAt(i);
    if (e === 101 || e === 69) {
      let j = i + 1;
      const sign = s.charCodeAt(j);
      if (sign === 43 || sign === 45) j++;
      if (isDigit(s.charCodeAt(j))) {
        while (j < n && isDigit(s.charCodeAt(j))) j++;
        kind = 'float';
        i = j;
      }
    }
    // MySQL identifiers may begin with digits (`1abc`, `123e`): a digit run glued to identifier characters is a word.
    if (kind === 'int' && i < n && isIdentPart(s.charCodeAt(i))) return this.scanWord(start);
    this.pos = i;
    return this.tok(kind, start, s.slice(start, i));
  }

  private scanWord(start: number): Token {
    const s = this.sql;
    const n = s.length;
    const c = s.charCodeAt(start);
    const c1 = s.charCodeAt(start + 1);
    if (c1 === Q) {
      if (c === 78 || c === 110) return this.scanString(start, start + 1, 'nstring'); // N'..'
      if (c === 88 || c === 120) return this.scanBitsOrHex(start, true); // X'..'
      if (c === 66 || c === 98) return this.scanBitsOrHex(start, false); // b'..'
    }
    let i = start + 1;
    while (i < n && isIdentPart(s.charCodeAt(i))) i++;
    this.pos = i;
    if (c === 95 /* _ */ && i - start <= 40) {
      const charset = s.slice(start + 1, i).toLowerCase();
      if (INTRODUCER_CHARSETS.has(charset)) return this.tok('introducer', start, charset);
    }
    const keyword = KEYWORD_INDEX.find(s, start, i);
    if (keyword !== undefined) return this.tok('keyword', start, keyword);
    return this.tok('ident', start, s.slice(start, i));
  }

  private scanBitsOrHex(start: number, hex: boolean): Token {
    const s = this.sql;
    const close = s.indexOf("'", start + 2);
    if (close < 0) throw syntaxErrorAt(s, start);
    const digits = s.slice(start + 2, close);
    const ok = hex ? /^[0-9a-fA-F]*$/.test(digits) && digits.length % 2 === 0 : /^[01]*$/.test(digits);
    if (!ok) throw syntaxErrorAt(s, start);
    this.pos = close + 1;
    return this.tok(hex ? 'hexval' : 'bitval', start, digits);
  }

  private scanColon(start: number): Token {
    const s = this.sql;
    const c1 = s.charCodeAt(start + 1);
    if (c1 === 61) return this.op(start, 2); // :=
    const list = c1 === 58;
    let i = start + (list ? 2 : 1);
    const nameStart = i;
    while (i < s.length && isBindPart(s.charCodeAt(i))) i++;
    if (i === nameStart) {
      if (list) throw syntaxErrorAt(s, start);
      return this.op(start, 1);
    }
    this.pos = i;
    return this.tok(list ? 'list_bindvar' : 'bindvar', start, s.slice(nameStart, i));
  }

  private scanVariable(start: number): Token {
    const s = this.sql;
    const sys = s.charCodeAt(start + 1) === 64;
    let i = start + (sys ? 2 : 1);
    const c = s.charCodeAt(i);
    if (!sys && (c === Q || c === DQ || c === BT)) {
      const t = c === BT ? this.scanQuotedIdent(i) : this.scanString(i, i, 'string');
      return this.tok('uservar', start, t.value);
    }
    const nameStart = i;
    while (i < s.length && isVarPart(s.charCodeAt(i))) i++;
    if (sys && s.charCodeAt(i) === BT && (i === nameStart || s.charCodeAt(i - 1) === 46)) {
      // @@`name` / @@session.`name`
      const prefix = s.slice(nameStart, i);
      const q = this.scanQuotedIdent(i);
      return this.tok('sysvar', start, prefix + q.value);
    }
    if (i === nameStart) {
      if (sys) throw syntaxErrorAt(s, start);
      return this.op(start, 1);
    }
    this.pos = i;
    return this.tok(sys ? 'sysvar' : 'uservar', start, s.slice(nameStart, i));
  }
}

function decodeString(s: string, from: number, to: number, q: number): string {
  let out = '';
  let run = from;
  for (let i = from; i < to; i++) {
    const c = s.charCodeAt(i);
    if (c === BSL) {
      out += s.slice(run, i);
      const e = s[i + 1];
      switch (e) {
        case '0':
          out += '\0';
          break;
        case 'b':
          out += '\b';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'Z':
          out += '\x1a';
          break;
        case '%':
          out += '\\%';
          break; // kept escaped: LIKE patterns need the backslash
        case '_':
          out += '\\_';
          break;
        default:
          out += e ?? '';
      }
      i++;
      run = i + 1;
    } else if (c === q) {
      out += s.slice(run, i + 1); // doubled quote -> one quote
      i++;
      run = i + 1;
    }
  }
  return out + s.slice(run, to);
}

/** All tokens of `sql`, comments included. Throws VtError 1064 on a lexical error. */
export function tokenize(sql: string): Token[] {
  const lx = new Lexer(sql);
  const out: Token[] = [];
  for (let t = lx.next(); t !== undefined; t = lx.next()) out.push(t);
  return out;
}
