import type { LimitInfo, LimitValue, SelectExpr, SysVarRef, TableName } from './statement-info.js';
import { identName } from './token-cursor.js';
import { isKeyword, isOp, type Token } from './token.js';

/** What one linear pass over a SELECT/UPDATE/DELETE finds; see SelectInfo for the meaning of each field. */
export interface QueryScan {
  readonly tables: TableName[];
  hasFrom: boolean;
  hasWhere: boolean;
  union: boolean;
  limit?: LimitInfo;
  limitInsertAt: number;
  forUpdate: boolean;
  lockInShareMode: boolean;
  into: boolean;
  onDuplicateKeyUpdate: boolean;
  readonly sysvars: SysVarRef[];
  readonly functions: string[];
  selectExprs: SelectExpr[];
}

// Keywords followed by `(` that are syntax, not function calls.
const NOT_FUNCTIONS = new Set([
  'IN',
  'EXISTS',
  'VALUES',
  'VALUE',
  'AS',
  'USING',
  'ON',
  'AND',
  'OR',
  'NOT',
  'XOR',
  'FROM',
  'JOIN',
  'WHERE',
  'SELECT',
  'ANY',
  'ALL',
  'SOME',
  'INTO',
  'OVER',
  'BY',
  'WHEN',
  'THEN',
  'ELSE',
  'KEY',
  'INDEX',
  'PARTITION',
  'TABLE',
  'WITH',
  'RECURSIVE',
  'LATERAL',
  'UNION',
  'EXCEPT',
  'INTERSECT',
  'SET',
  'HAVING',
  'LIMIT',
  'DISTINCT',
  'RETURNING',
  'UPDATE',
  'DELETE',
  'INSERT',
  'REPLACE',
  'FOR',
  'IS',
  'LIKE',
  'BETWEEN',
  'WINDOW',
  'AGAINST',
]);

const SELECT_OPTIONS = new Set([
  'ALL',
  'DISTINCT',
  'DISTINCTROW',
  'HIGH_PRIORITY',
  'STRAIGHT_JOIN',
  'SQL_SMALL_RESULT',
  'SQL_BIG_RESULT',
  'SQL_BUFFER_RESULT',
  'SQL_NO_CACHE',
  'SQL_CACHE',
  'SQL_CALC_FOUND_ROWS',
]);

const SELECT_LIST_END = new Set([
  'FROM',
  'INTO',
  'WHERE',
  'GROUP',
  'HAVING',
  'WINDOW',
  'ORDER',
  'LIMIT',
  'FOR',
  'LOCK',
  'UNION',
  'EXCEPT',
  'INTERSECT',
]);

const INDEX_HINTS = new Set(['USE', 'IGNORE', 'FORCE']);

/**
 * Scans toks[from, to) of one SELECT / UPDATE / DELETE / INSERT ... SELECT. Nesting is tracked so "top level"
 * means the statement's own level; a FROM counts as a table list only at a level that has seen SELECT (or the
 * caller's DML keyword), so `EXTRACT(YEAR FROM d)` and `TRIM(x FROM y)` name no table.
 */
export function scanQuery(sql: string, toks: readonly Token[], from: number, to: number, dmlAtTop = false): QueryScan {
  const scan: QueryScan = {
    tables: [],
    hasFrom: false,
    hasWhere: false,
    union: false,
    limitInsertAt: sql.length,
    forUpdate: false,
    lockInShareMode: false,
    into: false,
    onDuplicateKeyUpdate: false,
    sysvars: [],
    functions: [],
    selectExprs: [],
  };
  const queryAt: boolean[] = [dmlAtTop];
  let depth = 0;
  let firstSelect = -1;
  let fromIdx = -1;
  let trailing = -1; // first top-level FOR UPDATE / LOCK IN SHARE MODE / trailing INTO
  let intoIdx = -1;
  let last = -1;
  for (let j = from; j < to; j++) {
    const t = toks[j]!;
    last = j;
    if (t.kind === 'op') {
      if (t.value === '(') queryAt[++depth] = false;
      else if (t.value === ')') depth = Math.max(0, depth - 1);
      continue;
    }
    if (t.kind === 'sysvar') {
      scan.sysvars.push(sysVarRef(t.value));
      continue;
    }
    if (isOp(toks[j + 1], '(') && (t.kind === 'ident' || (t.kind === 'keyword' && !NOT_FUNCTIONS.has(t.value)))) {
      scan.functions.push(t.value.toLowerCase());
      continue;
    }
    if (t.kind !== 'keyword') continue;
    const top = depth === 0;
    switch (t.value) {
      case 'SELECT':
        queryAt[depth] = true;
        if (firstSelect < 0) firstSelect = j;
        break;
      case 'FROM':
        if (queryAt[depth]) readTables(sql, toks, j + 1, true, scan.tables);
        if (top && queryAt[depth]) {
          scan.hasFrom = true;
          if (fromIdx < 0) fromIdx = j;
        }
        break;
      case 'USING':
        if (top && dmlAtTop && !isOp(toks[j + 1], '(')) readTables(sql, toks, j + 1, true, scan.tables);
        break;
      case 'JOIN':
        if (!isKeyword(toks[j - 1], 'FOR')) readTables(sql, toks, j + 1, false, scan.tables); // not USE INDEX FOR JOIN (i)
        break;
      case 'STRAIGHT_JOIN':
        if (
          j > 0 &&
          (toks[j - 1]!.kind === 'ident' || toks[j - 1]!.kind === 'quoted_ident' || isOp(toks[j - 1], ')'))
        ) {
          readTables(sql, toks, j + 1, false, scan.tables);
        }
        break;
      case 'UNION':
      case 'EXCEPT':
      case 'INTERSECT':
        if (top) scan.union = true;
        break;
      case 'WHERE':
        if (top) scan.hasWhere = true;
        break;
      case 'LIMIT':
        if (top) {
          const limit = parseLimit(toks, j, to);
          if (limit) scan.limit = limit;
        }
        break;
      case 'FOR':
        if (top && (isKeyword(toks[j + 1], 'UPDATE') || isKeyword(toks[j + 1], 'SHARE'))) {
          if (isKeyword(toks[j + 1], 'UPDATE')) scan.forUpdate = true;
          else scan.lockInShareMode = true;
          if (trailing < 0) trailing = j;
        }
        break;
      case 'LOCK':
        if (top && isKeyword(toks[j + 1], 'IN')) {
          scan.lockInShareMode = true;
          if (trailing < 0) trailing = j;
        }
        break;
      case 'INTO':
        if (top && queryAt[0]) {
          scan.into = true;
          if (intoIdx < 0) intoIdx = j;
        }
        break;
      case 'DUPLICATE':
        if (top && isKeyword(toks[j - 1], 'ON')) scan.onDuplicateKeyUpdate = true;
        break;
    }
  }
  // INTO before FROM (`SELECT a INTO @x FROM t`) is not trailing: the limit then goes at the end.
  if (intoIdx >= 0 && (fromIdx < 0 || intoIdx > fromIdx) && (trailing < 0 || intoIdx < trailing)) trailing = intoIdx;
  if (trailing > from) scan.limitInsertAt = toks[trailing - 1]!.end;
  else if (last >= from) scan.limitInsertAt = toks[last]!.end;
  if (firstSelect >= 0) scan.selectExprs = selectExprs(sql, toks, firstSelect + 1, to);
  return scan;
}

/** Reads `t [AS a] [PARTITION (..)] [index hints] [, ...]` starting at k into `out`. */
function readTables(sql: string, toks: readonly Token[], k: number, comma: boolean, out: TableName[]): void {
  for (;;) {
    const t = toks[k];
    if (t === undefined) return;
    if (isOp(t, '(')) {
      const n = toks[k + 1];
      if (n !== undefined && !isKeyword(n, 'SELECT') && !isKeyword(n, 'WITH') && !isOp(n, '('))
        readTables(sql, toks, k + 1, true, out);
      return;
    }
    if (isKeyword(t, 'LATERAL')) return;
    const first = identName(sql, t);
    if (first === undefined) return;
    let name: TableName = { name: first };
    k++;
    if (isOp(toks[k], '.') && toks[k + 1] !== undefined) {
      const second = identName(sql, toks[k + 1]!);
      if (second !== undefined) {
        name = { qualifier: first, name: second };
        k += 2;
      }
    }
    if (name.qualifier !== undefined || name.name.toLowerCase() !== 'dual') out.push(name);
    if (!comma) return;
    if (isKeyword(toks[k], 'PARTITION') && isOp(toks[k + 1], '(')) k = skipParens(toks, k + 1);
    if (isKeyword(toks[k], 'AS')) k += 2;
    else if (toks[k]?.kind === 'ident' || toks[k]?.kind === 'quoted_ident') k++;
    while (toks[k]?.kind === 'keyword' && INDEX_HINTS.has(toks[k]!.value)) {
      while (toks[k] !== undefined && !isOp(toks[k], '(')) k++;
      k = skipParens(toks, k);
    }
    if (!isOp(toks[k], ',')) return;
    k++;
  }
}

/** Index after the parenthesised group opening at k. */
function skipParens(toks: readonly Token[], k: number): number {
  let depth = 0;
  for (; k < toks.length; k++) {
    if (isOp(toks[k], '(')) depth++;
    else if (isOp(toks[k], ')') && --depth === 0) return k + 1;
  }
  return k;
}

function limitValue(t: Token | undefined): LimitValue | undefined {
  if (t === undefined) return undefined;
  if (t.kind === 'int') return { kind: 'int', value: t.value };
  if (t.kind === 'bindvar') return { kind: 'bindvar', name: t.value };
  if (t.kind === 'placeholder') return { kind: 'placeholder' };
  return undefined;
}

function parseLimit(toks: readonly Token[], j: number, to: number): LimitInfo | undefined {
  const a = limitValue(toks[j + 1]);
  if (a === undefined || j + 1 >= to) return undefined;
  if (isOp(toks[j + 2], ',') || isKeyword(toks[j + 2], 'OFFSET')) {
    const b = j + 3 < to ? limitValue(toks[j + 3]) : undefined;
    if (b === undefined) return undefined;
    const offsetFirst = isOp(toks[j + 2], ',');
    return { rowCount: offsetFirst ? b : a, offset: offsetFirst ? a : b, start: toks[j]!.start, end: toks[j + 3]!.end };
  }
  return { rowCount: a, start: toks[j]!.start, end: toks[j + 1]!.end };
}

export function sysVarRef(text: string): SysVarRef {
  const lower = text.toLowerCase();
  const dot = lower.indexOf('.');
  if (dot > 0) {
    const scope = lower.slice(0, dot);
    if (scope === 'session' || scope === 'local') return { scope: 'session', name: lower.slice(dot + 1) };
    if (scope === 'global') return { scope: 'global', name: lower.slice(dot + 1) };
  }
  return { name: lower };
}

/** The comma-separated expressions after SELECT (at index k) up to the end of the select list. */
function selectExprs(sql: string, toks: readonly Token[], k: number, to: number): SelectExpr[] {
  while (k < to && toks[k]!.kind === 'keyword' && SELECT_OPTIONS.has(toks[k]!.value)) k++;
  const out: SelectExpr[] = [];
  let depth = 0;
  let itemStart = k;
  for (; k <= to; k++) {
    const t = toks[k];
    const atEnd =
      k === to ||
      t === undefined ||
      (depth === 0 && ((t.kind === 'keyword' && SELECT_LIST_END.has(t.value)) || isOp(t, ';') || isOp(t, ')')));
    if (atEnd || (depth === 0 && isOp(t, ','))) {
      if (k > itemStart) out.push(selectExpr(sql, toks, itemStart, k));
      if (atEnd) break;
      itemStart = k + 1;
    } else if (isOp(t, '(')) depth++;
    else if (isOp(t, ')')) depth--;
  }
  return out;
}

const VALUE_END_KINDS = new Set([
  'ident',
  'quoted_ident',
  'string',
  'int',
  'decimal',
  'float',
  'sysvar',
  'uservar',
  'bindvar',
  'hexnum',
  'hexval',
]);

function selectExpr(sql: string, toks: readonly Token[], a: number, b: number): SelectExpr {
  const lastTok = toks[b - 1]!;
  const aliasable = lastTok.kind === 'ident' || lastTok.kind === 'quoted_ident' || lastTok.kind === 'string';
  if (b - a >= 3 && aliasable && isKeyword(toks[b - 2], 'AS')) {
    return { text: sql.slice(toks[a]!.start, toks[b - 3]!.end), alias: lastTok.value };
  }
  const before = toks[b - 2];
  if (b - a >= 2 && lastTok.kind !== 'string' && aliasable && before !== undefined) {
    if (
      VALUE_END_KINDS.has(before.kind) ||
      isOp(before, ')') ||
      (before.kind === 'keyword' && (before.value === 'END' || before.value === 'NULL'))
    ) {
      if (!isOp(toks[b - 2], '.')) return { text: sql.slice(toks[a]!.start, before.end), alias: lastTok.value };
    }
  }
  return { text: sql.slice(toks[a]!.start, lastTok.end) };
}
