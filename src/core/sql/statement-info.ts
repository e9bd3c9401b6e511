import type { Directives } from './directives.js';

/** A table (or other schema object) name; `qualifier` is the keyspace/database of `ks.t`. */
export interface TableName {
  readonly qualifier?: string;
  readonly name: string;
}

/** A LIMIT/OFFSET operand: a literal count, or a bind variable (`:vtg1` after normalization, `:v1` for `?`). */
export type LimitValue =
  | { readonly kind: 'int'; readonly value: string }
  | { readonly kind: 'bindvar'; readonly name: string }
  | { readonly kind: 'placeholder' };

export interface LimitInfo {
  readonly rowCount: LimitValue;
  readonly offset?: LimitValue;
  /** Source range of the whole `LIMIT ...` clause. */
  readonly start: number;
  readonly end: number;
}

/** `@@name` references; scope is undefined for the unqualified form (session if it exists, else global). */
export interface SysVarRef {
  readonly scope?: 'session' | 'global';
  readonly name: string;
}

export interface SelectExpr {
  /** Source text of the expression without its alias, e.g. `@@version`, `database()`, `count(*)`. */
  readonly text: string;
  readonly alias?: string;
}

export type SetScope = 'session' | 'global' | 'persist' | 'persist_only' | 'user' | 'next_tx';

/**
 * One assignment of a SET statement. `name` is lower case for system variables (`autocommit`, `sql_mode`,
 * `names`, `charset`, `transaction_isolation`, `transaction_read_only`, Vitess's `workload`) and as written for
 * user variables. `valueText` is the source text of the value expression; `valueKind` is the kind of its single
 * token (`int`, `string`, `ident`, `keyword`, `sysvar`, `bindvar`...) or `expr`; `value` is the decoded value of a
 * single-token (or negative number) value: string contents, number text, identifier, upper-case keyword.
 */
export interface SetAssignment {
  readonly scope: SetScope;
  readonly name: string;
  readonly valueText: string;
  readonly valueKind: string;
  readonly value?: string;
  /** `SET NAMES cs COLLATE c` only. */
  readonly collation?: string;
}

export type ShowKind =
  | 'databases'
  | 'keyspaces'
  | 'tables'
  | 'columns'
  | 'index'
  | 'table_status'
  | 'create_table'
  | 'create_view'
  | 'create_database'
  | 'create_procedure'
  | 'create_function'
  | 'create_trigger'
  | 'create_event'
  | 'create_user'
  | 'vitess_shards'
  | 'vitess_tablets'
  | 'vitess_target'
  | 'vitess_replication_status'
  | 'vitess_migrations'
  | 'vschema_tables'
  | 'vschema_vindexes'
  | 'warnings'
  | 'errors'
  | 'count_warnings'
  | 'count_errors'
  | 'variables'
  | 'status'
  | 'engines'
  | 'engine'
  | 'charset'
  | 'collation'
  | 'processlist'
  | 'triggers'
  | 'events'
  | 'plugins'
  | 'grants'
  | 'privileges'
  | 'procedure_status'
  | 'function_status'
  | 'open_tables'
  | 'master_status'
  | 'replica_status'
  | 'binary_logs'
  | 'profiles'
  | 'other';

interface Base {
  readonly directives: Directives;
}

export interface SelectInfo extends Base {
  readonly kind: 'select';
  /** Tables in FROM/JOIN clauses at any depth (subqueries, derived tables), CTE names and `dual` excluded. */
  readonly tables: readonly TableName[];
  readonly hasFrom: boolean;
  readonly union: boolean;
  /** The statement-level (top nesting level) LIMIT, if any. */
  readonly limit?: LimitInfo;
  /**
   * Where to insert ` limit N` when `limit` is absent: the end of the last token before FOR UPDATE / LOCK IN
   * SHARE MODE / a trailing INTO, else the end of the last token (so trailing comments stay after it).
   */
  readonly limitInsertAt: number;
  readonly forUpdate: boolean;
  readonly lockInShareMode: boolean;
  readonly into: boolean;
  /** Expressions of the first SELECT's list. */
  readonly selectExprs: readonly SelectExpr[];
  readonly sysvars: readonly SysVarRef[];
  /** Lower-case names of functions called anywhere in the statement. */
  readonly functions: readonly string[];
}

export interface InsertInfo extends Base {
  readonly kind: 'insert' | 'replace';
  readonly table: TableName;
  readonly columns?: readonly string[];
  readonly ignore: boolean;
  readonly onDuplicateKeyUpdate: boolean;
  /** INSERT ... SELECT. */
  readonly fromSelect: boolean;
  /** Tables read by an INSERT ... SELECT. */
  readonly sourceTables: readonly TableName[];
}

export interface UpdateDeleteInfo extends Base {
  readonly kind: 'update' | 'delete';
  /** First target table. */
  readonly table: TableName;
  /** Every table referenced (multi-table forms, joins, subqueries). */
  readonly tables: readonly TableName[];
  readonly hasWhere: boolean;
  readonly limit?: LimitInfo;
}

export type DdlAction = 'create' | 'alter' | 'drop' | 'rename' | 'truncate';
export type DdlObject =
  'table' | 'view' | 'index' | 'database' | 'procedure' | 'function' | 'trigger' | 'event' | 'sequence' | 'other';

export interface DdlInfo extends Base {
  readonly kind: 'ddl';
  readonly action: DdlAction;
  readonly object: DdlObject;
  /** Tables/views concerned (RENAME: from, to, from, to...; CREATE INDEX: the indexed table; DATABASE: the db name). */
  readonly tables: readonly TableName[];
  readonly ifExists: boolean;
  readonly ifNotExists: boolean;
  readonly temporary: boolean;
}

export interface ShowInfo extends Base {
  readonly kind: 'show';
  readonly show: ShowKind;
  readonly full: boolean;
  readonly scope?: 'session' | 'global';
  /** Object of SHOW COLUMNS/INDEX/CREATE TABLE..., with FROM db folded into its qualifier. */
  readonly table?: TableName;
  /** FROM/IN database of SHOW TABLES / TABLE STATUS / TRIGGERS... */
  readonly db?: string;
  readonly like?: string;
  /** Source text of the WHERE expression. */
  readonly where?: string;
  /** Source text after the recognised words, for kinds vt does not break down (and for `other`). */
  readonly rest?: string;
}

export interface LockTablesInfo extends Base {
  readonly kind: 'lock_tables';
  readonly tables: readonly { readonly table: TableName; readonly alias?: string; readonly lock: 'read' | 'write' }[];
}

export interface ExplainInfo extends Base {
  readonly kind: 'explain';
  /** FORMAT=x (lower case), `vitess` for VEXPLAIN's default. */
  readonly format?: string;
  readonly analyze: boolean;
  readonly vexplain?: 'plan' | 'queries' | 'all' | 'trace' | 'keys';
  /** Offset where the explained statement starts, and its analysis. */
  readonly statementStart: number;
  readonly statement: StatementInfo;
}

export type StatementInfo =
  | SelectInfo
  | InsertInfo
  | UpdateDeleteInfo
  | DdlInfo
  | ShowInfo
  | LockTablesInfo
  | ExplainInfo
  | (Base & { readonly kind: 'set'; readonly assignments: readonly SetAssignment[] })
  | (Base & { readonly kind: 'use'; readonly target: string })
  | (Base & { readonly kind: 'begin'; readonly readOnly?: boolean; readonly consistentSnapshot: boolean })
  | (Base & { readonly kind: 'commit' | 'rollback' | 'unlock_tables' | 'comment_only' })
  | (Base & { readonly kind: 'savepoint' | 'release_savepoint' | 'rollback_to_savepoint'; readonly name: string })
  | (Base & { readonly kind: 'call'; readonly procedure: TableName })
  | (Base & { readonly kind: 'load'; readonly table?: TableName; readonly local: boolean })
  | (Base & { readonly kind: 'flush'; readonly rest: string })
  | (Base & { readonly kind: 'stream'; readonly table?: TableName })
  | (Base & { readonly kind: 'other'; readonly keyword: string });

export type StatementKind = StatementInfo['kind'];
