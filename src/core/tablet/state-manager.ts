import { VtError } from '../errors/index.js';
import type { TabletType as TopoTabletType } from '../topo/records/tablet-type.js';
import type { HealthMessage } from './query-service.js';
import type { TabletTarget, TabletType } from './tablet-target.js';

/** The types a tablet serves queries as; every other type (spare, drained, backup, ...) is NOT_SERVING. */
const SERVING_TYPES: ReadonlySet<TabletType> = new Set(['primary', 'replica', 'rdonly']);

export function toTopoType(t: TabletType): TopoTabletType {
  return t.toUpperCase() as TopoTabletType;
}

export function fromTopoType(t: TopoTabletType): TabletType {
  return t.toLowerCase() as TabletType;
}

const TABLET_TYPES: readonly TabletType[] = ['primary', 'replica', 'rdonly', 'spare', 'backup', 'restore', 'drained'];

/** Parses a tablet type case-insensitively; INVALID_ARGUMENT naming the valid ones otherwise. */
export function parseTabletTypeArg(text: string): TabletType {
  const t = text.toLowerCase() as TabletType;
  if (!TABLET_TYPES.includes(t)) {
    throw new VtError('INVALID_ARGUMENT', `invalid tablet type "${text}": expected one of ${TABLET_TYPES.join(', ')}`);
  }
  return t;
}

export interface StateManagerOptions {
  readonly alias: string;
  readonly keyspace: string;
  readonly shard: string;
  readonly type: TabletType;
  readonly primaryTermStartTime?: string | null;
  /** A non-primary lagging more than this is NOT_SERVING (Vitess's --unhealthy_threshold); default 7200 s. */
  readonly unhealthyLagSeconds?: number;
}

/**
 * The tablet's serving state (Vitess's tabletserver state manager, reduced): its identity and type, whether
 * mysqld answers, whether the query engine is open, and replication health. `serving` is the conjunction of
 * engine open, mysqld reachable, not shutting down, a serving type and, for non-primaries, replication lag
 * within the unhealthy threshold. A replica whose replication is stopped or not configured keeps serving
 * (possibly stale) reads and says why in `lastError`; the gate decides from lag and error. Listeners hear every change, in order,
 * synchronously; the health stream and the tablet record are driven from them.
 *
 * Request admission (`checkTarget`) follows Vitess: a wrong keyspace/shard is FAILED_PRECONDITION
 * "invalid target: ...", a wrong type is FAILED_PRECONDITION "wrong tablet type", and a tablet that is not
 * serving fails with UNAVAILABLE "operation not allowed in state NOT_SERVING" (the gate retries elsewhere).
 */
export class StateManager {
  readonly alias: string;
  readonly keyspace: string;
  readonly shard: string;
  private tabletType: TabletType;
  private termStart: string | null;
  private engineOpen = false;
  private mysqlUp = false;
  private mysqlError = '';
  private shuttingDown = false;
  private lagSeconds = 0;
  private replicationError = '';
  private readonly listeners = new Set<(h: HealthMessage) => void>();
  private readonly unhealthyLagSeconds: number;

  constructor(o: StateManagerOptions) {
    this.alias = o.alias;
    this.keyspace = o.keyspace;
    this.shard = o.shard;
    this.tabletType = o.type;
    this.termStart = o.type === 'primary' ? (o.primaryTermStartTime ?? null) : null;
    this.unhealthyLagSeconds = o.unhealthyLagSeconds ?? 7200;
  }

  get type(): TabletType {
    return this.tabletType;
  }

  get primaryTermStartTime(): string | null {
    return this.termStart;
  }

  get target(): TabletTarget {
    return { keyspace: this.keyspace, shard: this.shard, tabletType: this.tabletType };
  }

  get serving(): boolean {
    return (
      this.engineOpen &&
      this.mysqlUp &&
      !this.shuttingDown &&
      SERVING_TYPES.has(this.tabletType) &&
      (this.tabletType === 'primary' || this.lagSeconds <= this.unhealthyLagSeconds)
    );
  }

  get mysqlReachable(): boolean {
    return this.mysqlUp;
  }

  /** Changes the type; becoming primary starts a term now unless `termStart` is given. */
  setType(type: TabletType, termStart?: string | null): void {
    this.tabletType = type;
    this.termStart = type === 'primary' ? (termStart ?? this.termStart ?? new Date().toISOString()) : null;
    this.emit();
  }

  setEngineOpen(open: boolean): void {
    if (this.engineOpen !== open) {
      this.engineOpen = open;
      this.emit();
    }
  }

  setShuttingDown(): void {
    if (!this.shuttingDown) {
      this.shuttingDown = true;
      this.emit();
    }
  }

  /** From the health probe; emits only on a change of reachability or error text. */
  setMysql(up: boolean, error = ''): void {
    if (this.mysqlUp !== up || this.mysqlError !== error) {
      this.mysqlUp = up;
      this.mysqlError = error;
      this.emit();
    }
  }

  /** From the health probe (replicas): lag in seconds and why replication is unhealthy ('' when fine). */
  setReplication(lagSeconds: number, error: string): void {
    if (this.lagSeconds !== lagSeconds || this.replicationError !== error) {
      this.lagSeconds = lagSeconds;
      this.replicationError = error;
      this.emit();
    }
  }

  health(): HealthMessage {
    const lastError = !this.mysqlUp
      ? this.mysqlError || 'mysqld is not reachable'
      : this.shuttingDown
        ? 'tablet is shutting down'
        : !this.engineOpen
          ? 'query engine is not open'
          : this.tabletType !== 'primary' && this.lagSeconds > this.unhealthyLagSeconds
            ? `replication lag ${this.lagSeconds} s exceeds the unhealthy threshold of ${this.unhealthyLagSeconds} s`
            : this.replicationError;
    return {
      target: this.target,
      serving: this.serving,
      tabletAlias: this.alias,
      tabletType: this.tabletType,
      primaryTermStartTime: this.termStart,
      replicationLagSeconds: this.tabletType === 'primary' ? 0 : this.lagSeconds,
      lastError,
    };
  }

  /** Subscribes to state changes; returns the unsubscribe function. */
  onChange(listener: (h: HealthMessage) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Admission check for a query: identity, type, then serving state (see class comment). `allowNotServing`
   * skips the last check (commit/rollback/release of existing state).
   */
  checkTarget(target: TabletTarget | undefined, o?: { allowNotServing?: boolean }): void {
    // Fast path: an exact match of a serving tablet (the gate sends the lower-case type it routed on).
    if (
      target != null &&
      target.keyspace === this.keyspace &&
      target.shard === this.shard &&
      target.tabletType === this.tabletType &&
      (o?.allowNotServing === true || this.serving)
    ) {
      return;
    }
    if (target === undefined || target === null) {
      throw new VtError('INVALID_ARGUMENT', 'invalid target: a target {keyspace, shard, tabletType} is required');
    }
    if (target.keyspace !== this.keyspace) {
      throw new VtError(
        'FAILED_PRECONDITION',
        `invalid target: keyspace ${target.keyspace} does not match expected ${this.keyspace}`,
      );
    }
    if (target.shard !== this.shard) {
      throw new VtError(
        'FAILED_PRECONDITION',
        `invalid target: shard ${target.shard} does not match expected ${this.shard}`,
      );
    }
    if (String(target.tabletType).toLowerCase() !== this.tabletType) {
      throw new VtError(
        'FAILED_PRECONDITION',
        `wrong tablet type: ${String(target.tabletType).toUpperCase()}, want: ${this.tabletType.toUpperCase()}`,
      );
    }
    if (!this.serving && !o?.allowNotServing) {
      throw new VtError('UNAVAILABLE', 'operation not allowed in state NOT_SERVING', { reason: 'NotServing' });
    }
  }

  private emit(): void {
    const h = this.health();
    for (const l of this.listeners) l(h);
  }
}
