import type { BindVar, BindVars } from './bind-vars.js';
import { encodeEscapedUtf8, hasEscapedBytes } from '../sqltypes/escaped-utf8.js';
import { tokenize } from './sql-lexer.js';
import { isComment, isKeyword, isOp, type Token } from './token.js';

export interface NormalizeResult {
  /** The statement with literals replaced by `:vtgN` and `?` by `:vN`; every other byte is the input's. */
  readonly normalized: string;
  /** Values of the `:vtgN` variables, typed from the literal they replaced. */
  readonly bindVars: BindVars;
  /** Number of `?` placeholders (renamed `:v1`..`:vN`, values come from COM_STMT_EXECUTE). */
  readonly paramCount: number;
}

export interface NormalizeOptions {
  /** Give equal literals (same type and text) one shared bind variable, as Vitess does. Default false. */
  readonly reuseEqualValues?: boolean;
}

// Statements whose literals become bind variables (Vitess normalizes DML and SELECT only). DDL, SET, SHOW, USE
// and everything else keep their literals; only their `?` placeholders are renamed.
const NORMALIZED_LEADERS = new Set(['SELECT', 'INSERT', 'REPLACE', 'UPDATE', 'DELETE', 'WITH', 'VALUES']);

// A string right after one of these is syntax, not a value (`AS 'alias'`, `COLLATE 'x'`, `DATE '2020-01-01'`,
// `INTO OUTFILE 'f'`), or MySQL requires a literal there: it stays in the text.
const STRING_KEEP_AFTER = new Set([
  'AS',
  'COLLATE',
  'CHARSET',
  'SET',
  'OUTFILE',
  'DUMPFILE',
  'DATE',
  'TIME',
  'TIMESTAMP',
]);

// Type names whose parenthesised arguments are lengths/precisions inside CAST(x AS DECIMAL(10,2)) / CONVERT(x, CHAR(3)).
const TYPE_NAMES = new Set([
  'CHAR',
  'NCHAR',
  'VARCHAR',
  'BINARY',
  'VARBINARY',
  'DECIMAL',
  'DEC',
  'NUMERIC',
  'FLOAT',
  'DOUBLE',
  'REAL',
  'DATETIME',
  'TIME',
  'TIMESTAMP',
  'INT',
  'INTEGER',
  'SIGNED',
  'UNSIGNED',
  'BIT',
  'VECTOR',
]);

// After these keywords a `-` is unary, so `- 5` is the literal -5 (as Vitess's parser folds it).
const UNARY_AFTER = new Set([
  'SELECT',
  'WHERE',
  'AND',
  'OR',
  'NOT',
  'XOR',
  'THEN',
  'ELSE',
  'WHEN',
  'BETWEEN',
  'LIMIT',
  'OFFSET',
  'SET',
  'ON',
  'HAVING',
  'BY',
  'DISTINCT',
  'LIKE',
  'CASE',
  'DIV',
  'MOD',
  'ALL',
  'ANY',
  'RETURN',
  'REGEXP',
  'RLIKE',
]);

// Keywords that end an ORDER BY / GROUP BY list at the list's own nesting level.
const ORDER_LIST_END = new Set([
  'LIMIT',
  'HAVING',
  'WINDOW',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'FOR',
  'LOCK',
  'INTO',
  'ORDER',
  'ROWS',
  'RANGE',
  'GROUPS',
  'PROCEDURE',
]);

const INT64_MAX = '9223372036854775807';
const INT64_MIN_ABS = '9223372036854775808';
const UINT64_MAX = '18446744073709551615';

interface Paren {
  readonly fn: string;
  readonly typeParams: boolean;
  orderList: boolean;
}

/**
 * Replaces the literals of a SELECT/INSERT/REPLACE/UPDATE/DELETE with bind variables `:vtg1`, `:vtg2`... in
 * source order and renames `?` placeholders to `:v1`..`:vN`, reusing the original text slices for everything
 * else. Literals left in place: ORDER BY / GROUP BY column numbers, `INTERVAL n unit` values, introducer
 * strings (`_binary'..'`), type lengths in CAST/CONVERT, aliases/collations/charset names, JSON paths after
 * `->`/`->>`, typed literals (`DATE '..'`), and anything inside comments (so `/*vt+ ... *\/` directives stay).
 * Adjacent strings (`'a' 'b'`) become one variable; a unary minus before a number folds into it (`-1`).
 * Throws VtError 1064 when the statement does not lex.
 */
export function normalize(sql: string, options: NormalizeOptions = {}): NormalizeResult {
  const toks = tokenize(sql);
  let first = 0;
  while (first < toks.length && (isComment(toks[first]!) || isOp(toks[first], '('))) first++;
  const lead = toks[first];
  const literalsOn = lead !== undefined && lead.kind === 'keyword' && NORMALIZED_LEADERS.has(lead.value);

  const bindVars: Record<string, BindVar> = {};
  const taken = new Set<string>();
  for (const t of toks) if (t.kind === 'bindvar' || t.kind === 'list_bindvar') taken.add(t.value);
  const shared = options.reuseEqualValues ? new Map<string, string>() : undefined;
  let counter = 0;
  let paramCount = 0;
  let out = '';
  let last = 0;
  const parens: Paren[] = [{ fn: '', typeParams: false, orderList: false }];
  let p1: Token | undefined; // previous non-comment token
  let p2: Token | undefined;

  // A bind variable glued to a following name character (`'a'b`, `1.5e`) or after a `:` would lex as a
  // different token (`:vtg1b`, `::vtg1`): a space keeps it separate.
  const emit = (start: number, end: number, text: string): void => {
    const before = start > 0 && sql.charCodeAt(start - 1) === 58 ? ' ' : '';
    const after = end < sql.length && /[A-Za-z0-9_]/.test(sql[end]!) ? ' ' : '';
    out += sql.slice(last, start) + before + text + after;
    last = end;
  };

  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (isComment(t)) continue;
    const top = parens[parens.length - 1]!;
    if (t.kind === 'placeholder') {
      emit(t.start, t.end, `:v${++paramCount}`);
    } else if (t.kind === 'op' && (t.value === '(' || t.value === ')')) {
      if (t.value === '(') {
        const fn = p1 !== undefined && (p1.kind === 'keyword' || p1.kind === 'ident') ? p1.value.toUpperCase() : '';
        const typeParams =
          p1?.kind === 'keyword' &&
          TYPE_NAMES.has(p1.value) &&
          (isKeyword(p2, 'AS') || (isOp(p2, ',') && top.fn === 'CONVERT'));
        parens.push({ fn, typeParams, orderList: false });
      } else if (parens.length > 1) parens.pop();
    } else if (t.kind === 'keyword') {
      if (t.value === 'BY' && (isKeyword(p1, 'ORDER') || isKeyword(p1, 'GROUP'))) top.orderList = true;
      else if (ORDER_LIST_END.has(t.value)) top.orderList = false;
    } else if (t.kind === 'string' && literalsOn && !isNormalizable(t, i, p1, top)) {
      // A kept string keeps its adjacent strings too: `'a' 'b'` is one literal, and a bind variable substituted
      // next to a quote would merge with it ('a''b' lexes as one string).
      while (toks[i + 1]?.kind === 'string') i++;
    } else if (literalsOn && isNormalizable(t, i, p1, top)) {
      let start = t.start;
      let end = t.end;
      let bv: BindVar;
      if (t.kind === 'string') {
        let value = t.value;
        while (toks[i + 1]?.kind === 'string') {
          const nxt = toks[++i]!;
          value += nxt.value;
          end = nxt.end;
        }
        // Bytes that were not valid UTF-8 in the client's text (surrogate-escaped) travel as exact bytes.
        bv = hasEscapedBytes(value) ? { type: 'bytes', value: encodeEscapedUtf8(value) } : { type: 'string', value };
      } else if (t.kind === 'nstring') {
        bv = { type: 'string', value: t.value };
      } else if (t.kind === 'int' || t.kind === 'decimal' || t.kind === 'float') {
        let text = t.value;
        if (p1 !== undefined && isOp(p1, '-') && toks[i - 1] === p1 && isUnaryContext(p2)) {
          start = p1.start;
          text = '-' + text;
        }
        bv = t.kind === 'int' ? intBindVar(text) : { type: t.kind, value: text };
      } else {
        bv = { type: t.kind as 'hexnum' | 'hexval' | 'bitnum' | 'bitval', value: t.value };
      }
      emit(start, end, ':' + nameFor(bv));
    }
    p2 = p1;
    p1 = t;
  }

  function nameFor(bv: BindVar): string {
    const key =
      shared && bv.type !== 'null' && bv.type !== 'tuple' && bv.type !== 'bytes'
        ? `${bv.type}\0${bv.value}`
        : undefined;
    if (key !== undefined) {
      const existing = shared!.get(key);
      if (existing !== undefined) return existing;
    }
    let name: string;
    do name = `vtg${++counter}`;
    while (taken.has(name));
    bindVars[name] = bv;
    if (key !== undefined) shared!.set(key, name);
    return name;
  }

  return { normalized: last === 0 ? sql : out + sql.slice(last), bindVars, paramCount };

  function isNormalizable(t: Token, i: number, prev: Token | undefined, paren: Paren): boolean {
    switch (t.kind) {
      case 'string':
      case 'nstring':
        if (prev?.kind === 'introducer') return false;
        if (prev?.kind === 'keyword' && STRING_KEEP_AFTER.has(prev.value)) return false;
        if (isOp(prev, '->') || isOp(prev, '->>')) return false;
        break;
      case 'int':
        if (paren.orderList && (isKeyword(prev, 'BY') || isOp(prev, ',')) && endsListItem(toks, i)) return false;
        break;
      case 'decimal':
      case 'float':
      case 'hexnum':
      case 'hexval':
      case 'bitnum':
      case 'bitval':
        if (prev?.kind === 'introducer') return false;
        break;
      default:
        return false;
    }
    return !paren.typeParams && !isKeyword(prev, 'INTERVAL');
  }
}

/** True when the token after toks[i] (skipping comments) ends an ORDER BY item: `,` `)` `;`, a keyword or the end. */
function endsListItem(toks: readonly Token[], i: number): boolean {
  let j = i + 1;
  while (j < toks.length && isComment(toks[j]!)) j++;
  const n = toks[j];
  return n === undefined || n.kind === 'keyword' || isOp(n, ',') || isOp(n, ')') || isOp(n, ';');
}

function isUnaryContext(before: Token | undefined): boolean {
  if (before === undefined) return true;
  if (before.kind === 'op') return before.value !== ')' && before.value !== '}';
  return before.kind === 'keyword' && UNARY_AFTER.has(before.value);
}

/** int for values in int64, uint up to 2^64-1, decimal beyond (as MySQL types an out-of-range integer literal). */
function intBindVar(text: string): BindVar {
  const neg = text.charCodeAt(0) === 45;
  let digits = neg ? text.slice(1) : text;
  if (digits.length > 1 && digits.charCodeAt(0) === 48) digits = digits.replace(/^0+(?=\d)/, '');
  if (digits.length < 19) return { type: 'int', value: text };
  const cmp = (a: string, b: string): number =>
    a.length !== b.length ? a.length - b.length : a < b ? -1 : a > b ? 1 : 0;
  if (cmp(digits, neg ? INT64_MIN_ABS : INT64_MAX) <= 0) return { type: 'int', value: text };
  if (!neg && cmp(digits, UINT64_MAX) <= 0) return { type: 'uint', value: text };
  return { type: 'decimal', value: text };
}
