/**
 * Vitess's VSchema JSON model (field names exactly as in Vitess's JSON: snake_case). A keyspace's VSchema is
 * stored at global /keyspaces/<ks>/VSchema; the per-cell SrvVSchema bundles all keyspaces plus routing rules.
 * Parsed objects keep fields this version does not know (forward compatibility), so optional fields here are
 * only the ones vt reads.
 */

export interface VindexDef {
  readonly type: string;
  /** Vitess params are a string -> string map. */
  readonly params?: Readonly<Record<string, string>>;
  /** The table whose inserts/deletes maintain this lookup vindex. */
  readonly owner?: string;
}

export interface ColumnVindex {
  readonly column?: string;
  readonly columns?: readonly string[];
  readonly name: string;
}

export interface AutoIncrement {
  readonly column: string;
  /** Sequence table, unqualified or `ks.seq`. */
  readonly sequence: string;
}

export interface ColumnDef {
  readonly name: string;
  readonly type?: string;
}

export const TABLE_TYPES = ['', 'sequence', 'reference'] as const;
export type TableType = (typeof TABLE_TYPES)[number];

export interface TableDef {
  readonly type?: TableType;
  readonly column_vindexes?: readonly ColumnVindex[];
  readonly auto_increment?: AutoIncrement;
  readonly columns?: readonly ColumnDef[];
  readonly column_list_authoritative?: boolean;
  /** Hex keyspace id that pins a table of a sharded keyspace to one shard. */
  readonly pinned?: string;
  /** For reference tables: the `ks.table` they are copied from. */
  readonly source?: string;
}

export const FOREIGN_KEY_MODES = ['unspecified', 'disallow', 'unmanaged', 'managed'] as const;
export type ForeignKeyMode = (typeof FOREIGN_KEY_MODES)[number];

export interface KeyspaceVSchema {
  readonly sharded?: boolean;
  readonly vindexes?: Readonly<Record<string, VindexDef>>;
  readonly tables?: Readonly<Record<string, TableDef>>;
  readonly require_explicit_routing?: boolean;
  readonly foreign_key_mode?: ForeignKeyMode;
}

/** One routing rule: queries naming `from_table` (optionally `ks.table`, `table@replica`) go to `to_tables`. */
export interface RoutingRule {
  readonly from_table: string;
  readonly to_tables: readonly string[];
}

export interface RoutingRules {
  readonly rules: readonly RoutingRule[];
}

export interface ShardRoutingRule {
  readonly from_keyspace: string;
  readonly to_keyspace: string;
  readonly shard: string;
}

export interface ShardRoutingRules {
  readonly rules: readonly ShardRoutingRule[];
}

/** Cell /SrvVSchema: what the gate plans against. */
export interface SrvVSchema {
  readonly keyspaces: Readonly<Record<string, KeyspaceVSchema>>;
  readonly routing_rules: RoutingRules;
  readonly shard_routing_rules?: ShardRoutingRules;
}
