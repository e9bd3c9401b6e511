import { analyze } from '../sql/analyze.js';
import { tokenize } from '../sql/sql-lexer.js';
import type { StatementInfo, TableName } from '../sql/statement-info.js';
import { isComment, isKeyword, isOp, type Token } from '../sql/token.js';

/** Schemas that are never keyspaces: qualified names with them go to a tablet unchanged. */
const SYSTEM_SCHEMAS: ReadonlySet<string> = new Set(['information_schema', 'mysql', 'performance_schema', 'sys']);

/** Expressions of a FROM-less SELECT the gate answers itself (lower case, blanks removed). */
export type GateExpr = 'version' | 'version_comment' | 'database' | 'last_insert_id' | 'connection_id' | 'autocommit';

const GATE_EXPRS: ReadonlyMap<string, GateExpr> = new Map([
  ['@@version', 'version'],
  ['@@session.version', 'version'],
  ['@@global.version', 'version'],
  ['version()', 'version'],
  ['@@version_comment', 'version_comment'],
  ['@@session.version_comment', 'version_comment'],
  ['@@global.version_comment', 'version_comment'],
  ['database()', 'database'],
  ['schema()', 'database'],
  ['last_insert_id()', 'last_insert_id'],
  ['connection_id()', 'connection_id'],
  ['@@autocommit', 'autocommit'],
  ['@@session.autocommit', 'autocommit'],
]);

/**
 * What the executor needs to run one statement, derived once per (normalized SQL, target) and cached.
 * `sql` is the normalized text with keyspace qualifiers removed and user variables turned into bind variables;
 * `rewritten` says whether it differs from plain normalization (then it must be sent with bind variables even for
 * a COM_QUERY; otherwise the client's original text is sent as-is, which costs the tablet nothing to substitute).
 */
export interface GatePlan {
  readonly info: StatementInfo;
  readonly sql: string;
  readonly rewritten: boolean;
  /** Keyspace named by qualifiers (`ks.t`), if any. */
  readonly keyspace: string | undefined;
  /** Two different keyspaces are named: not routable without the planner. */
  readonly crossKeyspace: boolean;
  /** Bind variable name -> user variable name, for `@x` references rewritten to `:__vtudvN`. */
  readonly userVars: readonly (readonly [string, string])[];
  /** Set when the gate answers the statement itself (FROM-less SELECT of gate-known expressions). */
  readonly gateSelect: readonly GateExpr[] | undefined;
  /** Column names of a gate-answered SELECT. */
  readonly columnNames: readonly string[];
  /** Offset in `sql` where ` limit N` goes for sql_select_limit (a SELECT without LIMIT/INTO), else undefined. */
  readonly selectLimitAt: number | undefined;
}

/**
 * Plans one normalized statement. `isKeyspace` says whether a qualifier names a keyspace the gate serves.
 * Throws VtError 1064 when the statement does not lex/analyze.
 */
export function buildPlan(normalized: string, isKeyspace: (name: string) => boolean): GatePlan {
  const toks = tokenize(normalized);
  const info = analyze(normalized, toks);
  const qualifiers = new Set<string>();
  for (const t of tablesOf(info)) {
    if (t.qualifier !== undefined && !SYSTEM_SCHEMAS.has(t.qualifier.toLowerCase())) qualifiers.add(t.qualifier);
  }
  const known = [...qualifiers].filter(isKeyspace);
  const strip = new Set(known);

  let gateSelect: GateExpr[] | undefined;
  const columnNames: string[] = [];
  if (info.kind === 'select' && !info.hasFrom && !info.union && !info.into && info.selectExprs.length > 0) {
    const exprs: GateExpr[] = [];
    for (const e of info.selectExprs) {
      const g = GATE_EXPRS.get(e.text.toLowerCase().replace(/\s+/g, ''));
      if (g === undefined) break;
      exprs.push(g);
      columnNames.push(e.alias ?? e.text);
    }
    if (exprs.length === info.selectExprs.length) gateSelect = exprs;
  }

  const limitable = info.kind === 'select' && info.limit === undefined && !info.into;
  const mark = limitable ? info.limitInsertAt : -1;
  const { sql, userVars, markOut } = rewrite(normalized, toks, strip, info.kind === 'select', mark);
  return {
    info,
    sql,
    rewritten: sql !== normalized,
    keyspace: known[0],
    crossKeyspace: known.length > 1,
    userVars,
    gateSelect,
    columnNames,
    selectLimitAt: limitable ? markOut : undefined,
  };
}

/** Every table name a statement refers to (for keyspace qualifiers). */
export function tablesOf(info: StatementInfo): readonly TableName[] {
  switch (info.kind) {
    case 'select':
      return info.tables;
    case 'insert':
    case 'replace':
      return [info.table, ...info.sourceTables];
    case 'update':
    case 'delete':
      return info.tables;
    case 'ddl':
      return info.object === 'database' ? [] : info.tables;
    case 'show':
      return info.table === undefined ? [] : [info.table];
    case 'lock_tables':
      return info.tables.map((t) => t.table);
    case 'explain':
      return tablesOf(info.statement);
    default:
      return [];
  }
}

/**
 * Drops `ks.` before names qualified with a served keyspace (the tablet's database is vt_<ks>, its connection's
 * default) and replaces `@x` reads with bind variables. A bare `@x` in a select list keeps its column name
 * through an alias. Assignments (`@x := ...`) are left to the tablet.
 */
function rewrite(
  sql: string,
  toks: readonly Token[],
  strip: ReadonlySet<string>,
  isSelect: boolean,
  mark: number,
): { sql: string; userVars: [string, string][]; markOut: number } {
  const userVars: [string, string][] = [];
  let markOut = mark; // `mark` (a token boundary of the input) moved by the edits before it
  const byName = new Map<string, string>();
  let out = '';
  let last = 0;
  const sig = toks.filter((t) => !isComment(t));
  for (let i = 0; i < sig.length; i++) {
    const t = sig[i]!;
    if ((t.kind === 'ident' || t.kind === 'quoted_ident') && strip.has(t.value) && isOp(sig[i + 1], '.')) {
      const after = sig[i + 2];
      if (
        after !== undefined &&
        (after.kind === 'ident' || after.kind === 'quoted_ident' || after.kind === 'keyword')
      ) {
        out += sql.slice(last, t.start);
        last = sig[i + 1]!.end;
        if (last <= mark) markOut -= last - t.start;
        i++;
      }
      continue;
    }
    if (t.kind === 'uservar' && !isOp(sig[i + 1], ':=')) {
      let bv = byName.get(t.value);
      if (bv === undefined) {
        bv = `__vtudv${byName.size + 1}`;
        byName.set(t.value, bv);
        userVars.push([bv, t.value]);
      }
      const prev = sig[i - 1];
      const next = sig[i + 1];
      const bare =
        isSelect &&
        (isKeyword(prev, 'SELECT') || isOp(prev, ',')) &&
        (next === undefined ||
          isOp(next, ',') ||
          isOp(next, ';') ||
          isKeyword(next, 'FROM') ||
          isKeyword(next, 'LIMIT'));
      const repl = `:${bv}` + (bare ? ` AS \`${sql.slice(t.start, t.end).replace(/`/g, '``')}\`` : '');
      out += sql.slice(last, t.start) + repl;
      if (t.end <= mark) markOut += repl.length - (t.end - t.start);
      last = t.end;
    }
  }
  return { sql: last === 0 ? sql : out + sql.slice(last), userVars, markOut };
}
