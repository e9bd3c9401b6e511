import type { BindVar } from '../sql/bind-vars.js';
import type { TabletTarget } from '../tablet/tablet-target.js';
import { NO_TARGET, type SessionTarget } from './target.js';

/** The gate's state for one shard a session has touched: the tablet it is pinned to and its tx/reserved ids. */
export interface ShardSession {
  readonly target: TabletTarget;
  readonly tabletAlias: string;
  /** Open transaction on that tablet (0: none). */
  transactionId: number;
  /** Reserved connection carrying the session's system settings (0: none). */
  reservedId: number;
}

/** A gate-generated warning, answered by SHOW WARNINGS when the session is not pinned to a tablet. */
export interface GateWarning {
  readonly level: 'Note' | 'Warning' | 'Error';
  readonly code: number;
  readonly message: string;
}

export type Workload = 'oltp' | 'olap' | 'dba';

/**
 * Per-connection session (Vitess's SafeSession, reduced to one shard per transaction). Lives in
 * ServerConnection.session. Invariants: at most one shard session has a transactionId; a shard session with
 * neither id is removed; `inTransaction` is true between BEGIN (or the first statement with autocommit off) and
 * COMMIT/ROLLBACK, even before any shard was touched (Vitess begins lazily on the first statement).
 */
export class GateSession {
  target: SessionTarget = NO_TARGET;
  autocommit = true;
  inTransaction = false;
  readonly shards = new Map<string, ShardSession>();
  /** System settings replayed on every reserved connection, in order; keyed by variable name (latest wins). */
  readonly settings = new Map<string, string>();
  readonly userVars = new Map<string, BindVar>();
  lastInsertId: number | bigint = 0;
  warnings: GateWarning[] = [];
  workload: Workload = 'oltp';
  ddlStrategy = 'direct';
  transactionMode = 'single';
  /** SET sql_select_limit: added as LIMIT to SELECTs without one (the tablet's own row cap would override it). */
  sqlSelectLimit: number | undefined = undefined;
  /** Gate-side timeout for each query in ms (SET query_timeout); 0: the gate's default. */
  queryTimeoutMs = 0;
  /** SAVEPOINT statements issued in a transaction before it touched a shard; replayed there after BEGIN. */
  pendingSavepoints: string[] = [];
  /** Per-query values derived from `target`, rebuilt only when it (or the keyspace generation) changes. */
  private keyTarget: SessionTarget | undefined = undefined;
  private keyGeneration = -1;
  private keyPrefix = '';
  private lastRoute: TabletTarget | undefined = undefined;

  /** The plan cache key prefix for this session's target at keyspace-cache generation `generation`. */
  planKeyPrefix(generation: number): string {
    const t = this.target;
    if (t !== this.keyTarget || generation !== this.keyGeneration) {
      this.keyTarget = t;
      this.keyGeneration = generation;
      this.keyPrefix = `${t.keyspace}:${t.shard ?? ''}@${t.tabletType}\0${generation}\0`;
    }
    return this.keyPrefix;
  }

  /**
   * The TabletTarget {keyspace.name, shard, target.tabletType}: the same object as last time when nothing
   * changed, so routing a statement allocates nothing.
   */
  routeTarget(keyspace: { readonly name: string }, shard: string): TabletTarget {
    const r = this.lastRoute;
    const type = this.target.tabletType;
    if (r !== undefined && r.keyspace === keyspace.name && r.shard === shard && r.tabletType === type) return r;
    return (this.lastRoute = { keyspace: keyspace.name, shard, tabletType: type });
  }

  /** True when statements must stay on one tablet connection (transaction or reserved connection). */
  get pinned(): boolean {
    return this.shards.size > 0;
  }

  /** The shard session holding the open transaction, if any. */
  transactionShard(): ShardSession | undefined {
    for (const s of this.shards.values()) if (s.transactionId !== 0) return s;
    return undefined;
  }

  settingsList(): string[] {
    return [...this.settings.values()];
  }

  /** Forgets every piece of state (COM_RESET_CONNECTION / COM_CHANGE_USER); the caller released tablet state. */
  reset(): void {
    this.target = NO_TARGET;
    this.autocommit = true;
    this.inTransaction = false;
    this.shards.clear();
    this.settings.clear();
    this.userVars.clear();
    this.lastInsertId = 0;
    this.warnings = [];
    this.workload = 'oltp';
    this.ddlStrategy = 'direct';
    this.transactionMode = 'single';
    this.queryTimeoutMs = 0;
    this.sqlSelectLimit = undefined;
    this.pendingSavepoints = [];
  }
}
