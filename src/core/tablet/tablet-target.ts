/** Vitess tablet types a query can target. */
export type TabletType = 'primary' | 'replica' | 'rdonly' | 'spare' | 'backup' | 'restore' | 'drained';

/**
 * What a request says it is for. The tablet server compares it with its own identity before calling the query
 * engine (a mismatch is FAILED_PRECONDITION there); the engine only uses tabletType (consolidator mode).
 */
export interface TabletTarget {
  readonly keyspace: string;
  readonly shard: string;
  readonly tabletType: TabletType;
}
