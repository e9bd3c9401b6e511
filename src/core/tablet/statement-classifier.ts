import { analyze, type StatementInfo as SqlStatementInfo, type TableName } from '../sql/index.js';

/**
 * What the tablet needs to know about a statement before running it: a narrow view of src/core/sql's
 * `analyze`, so the tablet depends only on these few facts (and tests can plug in another analyzer).
 */
export interface StatementInfo {
  readonly kind: StatementKind;
  /** Table names referenced (FROM/JOIN/INTO/UPDATE/DDL targets, subqueries included), unqualified, unquoted. */
  readonly tables: readonly string[];
  /** A LIMIT clause at the top level of the statement. */
  readonly hasLimit: boolean;
  /** FOR UPDATE / FOR SHARE / LOCK IN SHARE MODE at the top level. */
  readonly locking: boolean;
  /** Offset where ` limit N` can be inserted: after the token before a top-level locking clause, else after the last token. */
  readonly limitInsertAt: number;
  /** Calls GET_LOCK(): the user-level lock lives on the connection, so it needs a reserved one. */
  readonly takesUserLock: boolean;
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
  /** Throws VtError 1064 for SQL that does not lex/analyze. */
  analyze(sql: string): StatementInfo;
}

const names = (ts: readonly TableName[]): string[] => [...new Set(ts.map((t) => t.name))];

function simple(kind: StatementKind, sql: string, tables: string[] = []): StatementInfo {
  return { kind, tables, hasLimit: false, locking: false, limitInsertAt: sql.length, takesUserLock: false };
}

/** The analyzer backed by src/core/sql's `analyze`. */
export const sqlStatementAnalyzer: StatementAnalyzer = {
  analyze(sql: string): StatementInfo {
    return fromSqlInfo(sql, analyze(sql));
  },
};

function fromSqlInfo(sql: string, s: SqlStatementInfo): StatementInfo {
  switch (s.kind) {
    case 'select':
      return {
        kind: 'select',
        tables: names(s.tables),
        hasLimit: s.limit !== undefined,
        locking: s.forUpdate || s.lockInShareMode,
        limitInsertAt: s.limitInsertAt,
        takesUserLock: s.functions.includes('get_lock'),
      };
    case 'insert':
    case 'replace':
      return simple('insert', sql, names([s.table, ...s.sourceTables]));
    case 'update':
    case 'delete':
      return { ...simple(s.kind, sql, names(s.tables)), hasLimit: s.limit !== undefined };
    case 'ddl':
      return simple('ddl', sql, s.object === 'database' ? [] : names(s.tables));
    case 'show':
      return simple('show', sql, s.table ? [s.table.name] : []);
    case 'explain':
      return simple('other_read', sql);
    case 'lock_tables':
      return simple('lock_tables', sql, names(s.tables.map((t) => t.table)));
    case 'load':
      return simple('load', sql, s.table ? [s.table.name] : []);
    case 'set':
    case 'use':
    case 'begin':
    case 'commit':
    case 'rollback':
    case 'unlock_tables':
    case 'savepoint':
    case 'call':
    case 'flush':
      return simple(s.kind, sql);
    case 'release_savepoint':
      return simple('release', sql);
    case 'rollback_to_savepoint':
      return simple('srollback', sql);
    case 'stream':
      return simple('other_read', sql, s.table ? [s.table.name] : []);
    case 'comment_only':
      return simple('other_admin', sql);
    case 'other':
      return simple(
        s.keyword === 'DESCRIBE' || s.keyword === 'DESC' || s.keyword === 'EXPLAIN' ? 'other_read' : 'other_admin',
        sql,
      );
  }
}
