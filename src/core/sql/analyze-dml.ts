import type { Directives } from './directives.js';
import { scanQuery } from './query-scan.js';
import type { InsertInfo, SelectInfo, StatementInfo, TableName, UpdateDeleteInfo } from './statement-info.js';
import type { TokenCursor } from './token-cursor.js';
import { isOp } from './token.js';

// SELECT / WITH / INSERT / REPLACE / UPDATE / DELETE analysis for `analyze` (cursor on the leading keyword,
// `end` = index of the statement's end in the cursor's tokens).

/** `tables` without CTE names and duplicates, in first-seen order. */
function without(tables: readonly TableName[], ctes: readonly string[]): TableName[] {
  const seen = new Set<string>();
  return tables.filter((t) => {
    if (t.qualifier === undefined && ctes.includes(t.name)) return false;
    const key = `${t.qualifier ?? ''}.${t.name}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function select(c: TokenCursor, from: number, end: number, directives: Directives, ctes: string[]): SelectInfo {
  const s = scanQuery(c.sql, c.toks, from, end);
  return {
    kind: 'select',
    tables: without(s.tables, ctes),
    hasFrom: s.hasFrom,
    union: s.union,
    ...(s.limit !== undefined ? { limit: s.limit } : {}),
    limitInsertAt: s.limitInsertAt,
    forUpdate: s.forUpdate,
    lockInShareMode: s.lockInShareMode,
    into: s.into,
    selectExprs: s.selectExprs,
    sysvars: s.sysvars,
    functions: s.functions,
    directives,
  };
}

/** WITH [RECURSIVE] cte [(cols)] AS (...) [, ...] followed by SELECT, UPDATE or DELETE. */
export function withStatement(c: TokenCursor, end: number, directives: Directives): StatementInfo {
  const start = c.i;
  c.next();
  c.acceptKw('RECURSIVE');
  const ctes: string[] = [];
  do {
    ctes.push(c.name());
    if (c.isOp('(')) skipGroup(c);
    if (!c.acceptKw('AS')) throw c.error();
    if (!c.isOp('(')) throw c.error();
    skipGroup(c);
  } while (c.acceptOp(','));
  if (c.isKw('UPDATE') || c.isKw('DELETE')) return updateDelete(c, start, end, directives, ctes);
  if (!c.isKw('SELECT') && !c.isOp('(')) throw c.error();
  return select(c, start, end, directives, ctes);
}

function skipGroup(c: TokenCursor): void {
  let depth = 0;
  do {
    const t = c.next();
    if (t === undefined) throw c.error();
    if (isOp(t, '(')) depth++;
    else if (isOp(t, ')')) depth--;
  } while (depth > 0);
}

const INSERT_OPTIONS = new Set(['LOW_PRIORITY', 'DELAYED', 'HIGH_PRIORITY', 'IGNORE']);

export function insert(c: TokenCursor, end: number, directives: Directives): InsertInfo {
  const kind = c.next()!.value === 'INSERT' ? 'insert' : 'replace';
  let ignore = false;
  for (let o = c.acceptAnyKw(INSERT_OPTIONS); o !== undefined; o = c.acceptAnyKw(INSERT_OPTIONS))
    if (o === 'IGNORE') ignore = true;
  c.acceptKw('INTO');
  const table = c.tableName();
  if (c.isKw('PARTITION')) {
    c.next();
    skipGroup(c);
  }
  let columns: string[] | undefined;
  if (c.isOp('(') && !c.isKw('SELECT', 1) && !c.isKw('WITH', 1) && !c.isOp('(', 1)) {
    c.next();
    columns = [];
    if (!c.isOp(')'))
      do columns.push(c.name());
      while (c.acceptOp(','));
    if (!c.acceptOp(')')) throw c.error();
  }
  const fromSelect =
    c.isKw('SELECT') ||
    c.isKw('WITH') ||
    c.isKw('TABLE') ||
    (c.isOp('(') && (c.isKw('SELECT', 1) || c.isKw('WITH', 1)));
  const s = scanQuery(c.sql, c.toks, c.i, end);
  return {
    kind,
    table,
    ...(columns !== undefined ? { columns } : {}),
    ignore,
    onDuplicateKeyUpdate: s.onDuplicateKeyUpdate,
    fromSelect,
    sourceTables: s.tables,
    directives,
  };
}

const DML_OPTIONS = new Set(['LOW_PRIORITY', 'QUICK', 'IGNORE']);

export function updateDelete(
  c: TokenCursor,
  from: number,
  end: number,
  directives: Directives,
  ctes: string[],
): UpdateDeleteInfo {
  const kind = c.next()!.value === 'UPDATE' ? 'update' : 'delete';
  while (c.acceptAnyKw(DML_OPTIONS) !== undefined) {
    /* options */
  }
  if (kind === 'delete') c.acceptKw('FROM');
  const table = c.tableName();
  const s = scanQuery(c.sql, c.toks, from, end, true);
  // The first target leads; UPDATE's target list is not introduced by FROM, so the scan may not have it.
  const tables = without([table, ...s.tables], ctes);
  if (kind === 'update') {
    // UPDATE a, b SET ...: the comma-separated targets before SET.
    for (let k = c.i; k < end && !(c.toks[k]!.kind === 'keyword' && c.toks[k]!.value === 'SET'); k++) {
      if (isOp(c.toks[k], ',')) {
        c.i = k + 1;
        const t = c.tableName();
        if (!tables.some((x) => x.name === t.name && x.qualifier === t.qualifier)) tables.push(t);
      }
    }
  }
  return {
    kind,
    table,
    tables,
    hasWhere: s.hasWhere,
    ...(s.limit !== undefined ? { limit: s.limit } : {}),
    directives,
  };
}
