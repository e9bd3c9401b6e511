/**
 * What the tablet needs to know about a statement before running it. Produced by a `StatementAnalyzer`; the
 * default one below is a small local classifier (a token scan, not a parser). It is the seam where
 * src/core/sql's `analyze` plugs in once it exists.
 */
export interface StatementInfo {
  readonly kind: StatementKind;
  /** Table names referenced (FROM/JOIN/INTO/UPDATE/TABLE targets), unqualified, as written, without quotes. */
  readonly tables: readonly string[];
  /** A LIMIT clause at the top level of the statement. */
  readonly hasLimit: boolean;
  /** FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE at the top level. */
  readonly locking: boolean;
  /** Offset where ` limit N` can be inserted: right after the token before a top-level locking clause, else after the last token. */
  readonly limitInsertAt: number;
}

export type StatementKind =
  | 'select'
  | 'insert'
  | 'update'
  | 'delete'
  | 'ddl'
  | 'set'
  | 'show'
  | 'other_read'
  | 'other_admin'
  | 'begin'
  | 'commit'
  | 'rollback'
  | 'savepoint'
  | 'release'
  | 'srollback'
  | 'use'
  | 'lock_tables'
  | 'unlock_tables'
  | 'call'
  | 'flush'
  | 'load';

export interface StatementAnalyzer {
  analyze(sql: string): StatementInfo;
}

interface Tok {
  /** Lowercased word, quoted identifier text, or the punctuation character. */
  readonly v: string;
  /** The token as written (words keep their case). */
  readonly raw: string;
  readonly kind: 'word' | 'ident' | 'string' | 'punct';
  readonly start: number;
  readonly end: number;
  readonly depth: number;
}

/** Splits SQL into words, quoted identifiers, strings and punctuation, skipping comments; tracks paren depth. */
function tokenize(sql: string): Tok[] {
  const toks: Tok[] = [];
  let depth = 0;
  let i = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r' || c === '\f') {
      i++;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-' && (i + 2 >= n || /\s/.test(sql[i + 2]!)))) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === "'" || c === '"' || c === '`') {
      const start = i++;
      let text = '';
      while (i < n) {
        const d = sql[i]!;
        if (d === '\\' && c !== '`') {
          text += sql[i + 1] ?? '';
          i += 2;
        } else if (d === c) {
          if (sql[i + 1] === c) {
            text += c;
            i += 2;
          } else {
            i++;
            break;
          }
        } else {
          text += d;
          i++;
        }
      }
      toks.push({ v: text, raw: text, kind: c === '`' ? 'ident' : 'string', start, end: i, depth });
    } else if (/[A-Za-z0-9_$@\u0080-\uffff]/.test(c)) {
      const start = i;
      while (i < n && /[A-Za-z0-9_$@\u0080-\uffff]/.test(sql[i]!)) i++;
      const raw = sql.slice(start, i);
      toks.push({ v: raw.toLowerCase(), raw, kind: 'word', start, end: i, depth });
    } else {
      if (c === ')') depth = Math.max(0, depth - 1);
      toks.push({ v: c, raw: c, kind: 'punct', start: i, end: i + 1, depth });
      if (c === '(') depth++;
      i++;
    }
  }
  return toks;
}

const ddlWords = new Set(['create', 'alter', 'drop', 'truncate', 'rename']);
const adminWords = new Set(['analyze', 'optimize', 'repair', 'check', 'checksum', 'grant', 'revoke', 'kill', 'purge', 'reset', 'install', 'uninstall', 'change', 'start', 'stop']);
const readWords = new Set(['describe', 'desc', 'explain']);
/** Words after a table reference that end it (so they are not taken as an alias). */
const clauseWords = new Set([
  'where', 'join', 'inner', 'left', 'right', 'cross', 'natural', 'straight_join', 'on', 'using', 'group', 'order',
  'limit', 'having', 'for', 'lock', 'union', 'set', 'values', 'value', 'select', 'partition', 'window', 'into',
  'procedure', 'use', 'ignore', 'force', 'with', 'as', 'except', 'intersect', 'returning', 'duplicate', 'outer',
]);

/** The default analyzer: a token scan good enough for classification, table names and LIMIT placement. */
export const localStatementAnalyzer: StatementAnalyzer = {
  analyze(sql: string): StatementInfo {
    const toks = tokenize(sql);
    let first = 0;
    while (first < toks.length && toks[first]!.v === '(') first++;
    const w0 = toks[first]?.v ?? '';
    const w1 = toks[first + 1]?.v ?? '';
    const kind = classify(w0, w1, toks[first + 2]?.v ?? '');
    const top = toks.filter((t) => t.depth === 0);
    let end = toks.length;
    while (end > 0 && toks[end - 1]!.v === ';' && toks[end - 1]!.depth === 0) end--;
    const body = toks.slice(0, end);
    const hasLimit = top.some((t) => t.kind === 'word' && t.v === 'limit');
    let lockAt = -1;
    for (let i = 0; i < body.length; i++) {
      const t = body[i]!;
      if (t.depth !== 0 || t.kind !== 'word') continue;
      const next = body[i + 1]?.v;
      if ((t.v === 'for' && (next === 'update' || next === 'share')) || (t.v === 'lock' && next === 'in')) {
        lockAt = i > 0 ? body[i - 1]!.end : t.start;
        break;
      }
    }
    const lastEnd = end > 0 ? body[end - 1]!.end : sql.length;
    return {
      kind,
      tables: tablesOf(body, kind),
      hasLimit,
      locking: lockAt >= 0,
      limitInsertAt: lockAt >= 0 ? lockAt : lastEnd,
    };
  },
};

function classify(w0: string, w1: string, w2: string): StatementKind {
  switch (w0) {
    case 'select':
    case 'with':
    case 'values':
    case 'table':
      return 'select';
    case 'insert':
    case 'replace':
      return 'insert';
    case 'update':
      return 'update';
    case 'delete':
      return 'delete';
    case 'set':
      return 'set';
    case 'show':
      return 'show';
    case 'begin':
      return 'begin';
    case 'start':
      return w1 === 'transaction' ? 'begin' : 'other_admin';
    case 'commit':
      return 'commit';
    case 'rollback':
      return w1 === 'to' || w2 === 'to' ? 'srollback' : 'rollback';
    case 'savepoint':
      return 'savepoint';
    case 'release':
      return 'release';
    case 'use':
      return 'use';
    case 'lock':
      return 'lock_tables';
    case 'unlock':
      return 'unlock_tables';
    case 'call':
      return 'call';
    case 'flush':
      return 'flush';
    case 'load':
      return 'load';
    default:
      if (ddlWords.has(w0)) return 'ddl';
      if (readWords.has(w0)) return 'other_read';
      if (adminWords.has(w0)) return 'other_admin';
      return 'other_admin';
  }
}

/** Reads `name`, `db.name` or a quoted form at toks[i]; returns the unqualified name and the next index. */
function tableRef(toks: readonly Tok[], i: number): [string | undefined, number] {
  const t = toks[i];
  if (!t || (t.kind !== 'word' && t.kind !== 'ident')) return [undefined, i];
  if (t.kind === 'word' && (clauseWords.has(t.v) || t.v === 'lateral')) return [undefined, i];
  let name = t.raw;
  let j = i + 1;
  if (toks[j]?.v === '.' && (toks[j + 1]?.kind === 'word' || toks[j + 1]?.kind === 'ident')) {
    name = toks[j + 1]!.raw;
    j += 2;
  }
  return [name, j];
}

function tablesOf(toks: readonly Tok[], kind: StatementKind): string[] {
  const out: string[] = [];
  const add = (name: string | undefined): void => {
    if (name !== undefined && name.toLowerCase() !== 'dual' && !out.includes(name)) out.push(name);
  };
  for (let i = 0; i < toks.length; i++) {
    const t = toks[i]!;
    if (t.kind !== 'word') continue;
    const starts =
      t.v === 'from' || t.v === 'join' || t.v === 'straight_join' || t.v === 'into' ||
      (t.v === 'update' && (i === 0 || toks[i - 1]!.v === '(' || kind === 'update')) ||
      (t.v === 'table' && kind === 'ddl') || (t.v === 'table' && i === 0);
    if (!starts) continue;
    let j = i + 1;
    if (t.v === 'table') {
      while (toks[j]?.kind === 'word' && (toks[j]!.v === 'if' || toks[j]!.v === 'not' || toks[j]!.v === 'exists')) j++;
    }
    for (;;) {
      while (toks[j]?.kind === 'word' && (toks[j]!.v === 'low_priority' || toks[j]!.v === 'ignore' || toks[j]!.v === 'quick')) j++;
      const [name, k] = tableRef(toks, j);
      if (name === undefined) break;
      add(name);
      j = k;
      if (toks[j]?.v === 'as') j++;
      if ((toks[j]?.kind === 'word' && !clauseWords.has(toks[j]!.v)) || toks[j]?.kind === 'ident') j++;
      if (toks[j]?.v !== ',' || kind === 'insert') break;
      j++;
    }
  }
  return out;
}
