import { VtError } from '../errors/index.js';
import type { Logger } from '../env/logger.js';
import type { ConnPool } from './conn-pool.js';
import type { DbConn } from './db-conn.js';
import type { TabletStats } from './tablet-stats.js';

/**
 * A connection owned by one client session: in a transaction, reserved (pinned with session settings), or both.
 * Its id is the transaction id and/or the reserved id (Vitess uses one id for both).
 */
export interface StatefulConn {
  readonly id: number;
  readonly conn: DbConn;
  /** The pool `conn` came from and goes back to. */
  readonly pool: ConnPool<DbConn>;
  inTx: boolean;
  reserved: boolean;
  /** When the current transaction began (ms since epoch); the killer measures the transaction timeout from it. */
  txStartedAt: number;
  /** The SET statements applied when it was reserved (for status pages). */
  settings: string[];
  /** A request is using it; a second concurrent request on the same id is refused. */
  busy: boolean;
  /** Ended by the killer or shutdown while busy: the current holder discards it on unlock. */
  ended: boolean;
}

export interface TxEngineOptions {
  readonly pool: ConnPool<DbConn>;
  /** Connections with CLIENT_FOUND_ROWS, for sessions of gate clients that asked for it (Vitess's found-rows pool). */
  readonly foundRowsPool: ConnPool<DbConn>;
  readonly stats: TabletStats;
  readonly logger: Logger;
  /** Kills a connection on mysqld (rolling back its transaction and releasing its locks). */
  readonly killConnection: (threadId: number) => Promise<void>;
  readonly txTimeoutMs: number;
  readonly idleTimeoutMs: number;
  /** Wait for a transaction-pool connection before RESOURCE_EXHAUSTED. */
  readonly txPoolTimeoutMs: number;
}

/** How many ended ids are remembered to explain later use ("ended at ... (exceeded timeout: 30s)"). */
const ENDED_MEMORY = 10_000;

/**
 * Transactions and reserved connections (Vitess's TxEngine + StatefulConnectionPool). Connections come from the
 * transaction pool; ids are unique and increasing per tablet (seeded from the clock so they do not repeat across
 * restarts). A timer rolls back transactions older than the transaction timeout and releases reserved
 * connections idle longer than the idle timeout; later use of such an id fails with
 * `transaction <id>: ended at <time> (exceeded timeout: <t>)`, code ABORTED, errno 1105/HY000 (as Vitess).
 */
export class TxEngine {
  private readonly active = new Map<number, StatefulConn>();
  private readonly ended = new Map<number, string>();
  private nextId = Date.now() * 1000;
  private killerTimer: NodeJS.Timeout | undefined;

  constructor(private readonly o: TxEngineOptions) {}

  open(): void {
    const periods = [this.o.txTimeoutMs, this.o.idleTimeoutMs].filter((t) => t > 0);
    if (periods.length === 0 || this.killerTimer) return;
    const interval = Math.max(10, Math.min(1000, Math.min(...periods) / 10));
    this.killerTimer = setInterval(() => this.killExpired(), interval);
    this.killerTimer.unref();
  }

  /** Open transactions / reserved connections, for gauges. */
  counts(): { transactions: number; reserved: number } {
    let transactions = 0;
    let reserved = 0;
    for (const sc of this.active.values()) {
      if (sc.inTx) transactions++;
      if (sc.reserved) reserved++;
    }
    return { transactions, reserved };
  }

  /** Begins a transaction on a new connection, or on the reserved connection `reservedId`; returns its id. */
  async begin(opts: { reservedId?: number; signal?: AbortSignal; foundRows?: boolean } = {}): Promise<number> {
    if (opts.reservedId) {
      const sc = this.lock(opts.reservedId, 'begin');
      try {
        if (sc.inTx) throw new VtError('FAILED_PRECONDITION', `transaction ${sc.id}: already in a transaction`);
        await sc.conn.exec('begin');
        sc.inTx = true;
        sc.txStartedAt = Date.now();
        this.o.stats.begins++;
        return sc.id;
      } finally {
        this.unlock(sc);
      }
    }
    const pool = this.poolFor(opts.foundRows);
    const conn = await pool.get({
      timeoutMs: this.o.txPoolTimeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    try {
      await conn.exec('begin');
    } catch (err) {
      pool.put(conn);
      throw err;
    }
    const sc = this.register(conn, pool);
    sc.inTx = true;
    this.o.stats.begins++;
    return sc.id;
  }

  /**
   * Pins a connection and applies `settings` (SET statements) to it; returns the reserved id. With
   * `transactionId`, the transaction's own connection becomes reserved too and keeps that id.
   */
  async reserve(
    settings: readonly string[],
    opts: { transactionId?: number; signal?: AbortSignal; foundRows?: boolean } = {},
  ): Promise<number> {
    if (opts.transactionId) {
      const sc = this.lock(opts.transactionId, 'reserve');
      try {
        for (const s of settings) await sc.conn.exec(s);
        sc.reserved = true;
        sc.settings.push(...settings);
        this.o.stats.reserves++;
        return sc.id;
      } finally {
        this.unlock(sc);
      }
    }
    const pool = this.poolFor(opts.foundRows);
    const conn = await pool.get({
      timeoutMs: this.o.txPoolTimeoutMs,
      ...(opts.signal ? { signal: opts.signal } : {}),
    });
    try {
      for (const s of settings) await conn.exec(s);
    } catch (err) {
      pool.discard(conn);
      throw err;
    }
    const sc = this.register(conn, pool);
    sc.reserved = true;
    sc.settings.push(...settings);
    this.o.stats.reserves++;
    return sc.id;
  }

  /**
   * Takes the connection for one request. Fails (ABORTED) for an unknown id, an id the killer ended, or an id
   * another request is using. Pair with `unlock`.
   */
  lock(id: number, purpose: string): StatefulConn {
    const sc = this.active.get(id);
    if (!sc)
      throw this.endedError(id) ?? new VtError('ABORTED', `transaction ${id}: not found`, { reason: 'TxNotFound' });
    if (sc.busy) throw new VtError('ABORTED', `transaction ${id}: in use: cannot ${purpose} concurrently`);
    sc.busy = true;
    sc.conn.lastUsed = Date.now();
    return sc;
  }

  /**
   * The error for a statement that failed because its connection was ended under it (killer, shutdown), or
   * undefined if `id` was not ended.
   */
  endedError(id: number): VtError | undefined {
    const why = this.ended.get(id);
    return why === undefined ? undefined : new VtError('ABORTED', `transaction ${id}: ${why}`, { reason: 'TxEnded' });
  }

  unlock(sc: StatefulConn): void {
    sc.busy = false;
    if (sc.ended) sc.pool.put(sc.conn);
    else if (sc.conn.isClosed) this.end(sc, 'connection to mysqld lost');
  }

  /** Commits; returns the id if the connection stays reserved, else 0 (the connection went back to the pool). */
  async commit(id: number): Promise<number> {
    return this.finishTx(id, 'commit');
  }

  async rollback(id: number): Promise<number> {
    return this.finishTx(id, 'rollback');
  }

  /** Rolls back any transaction and closes the reserved/transaction connection (its session state dies with it). */
  async release(id: number): Promise<void> {
    const sc = this.lock(id, 'release');
    if (sc.inTx) {
      await sc.conn.exec('rollback').catch(() => undefined);
      this.o.stats.rollbacks++;
    }
    this.active.delete(id);
    sc.ended = true;
    sc.conn.close();
    this.o.stats.releases++;
    this.unlock(sc);
  }

  /** Shutdown: rolls back every transaction and closes every stateful connection. */
  async closeAll(reason: string): Promise<void> {
    if (this.killerTimer) clearInterval(this.killerTimer);
    this.killerTimer = undefined;
    await Promise.all([...this.active.values()].map((sc) => this.kill(sc, reason)));
  }

  private async finishTx(id: number, how: 'commit' | 'rollback'): Promise<number> {
    const sc = this.lock(id, how);
    try {
      if (!sc.inTx) {
        if (sc.reserved) return sc.id;
        throw new VtError('ABORTED', `transaction ${id}: not found`, { reason: 'TxNotFound' });
      }
      try {
        await sc.conn.exec(how);
      } catch (err) {
        // The transaction's outcome on a failed commit is unknown: never reuse the connection.
        this.end(sc, `${how} failed`);
        sc.conn.close();
        throw err;
      }
      sc.inTx = false;
      if (how === 'commit') this.o.stats.commits++;
      else this.o.stats.rollbacks++;
      if (sc.reserved) return sc.id;
      this.active.delete(id);
      sc.ended = true;
      return 0;
    } finally {
      this.unlock(sc);
    }
  }

  /** The pool for a session (or autocommit write) with or without CLIENT_FOUND_ROWS. */
  poolFor(foundRows: boolean | undefined): ConnPool<DbConn> {
    return foundRows === true ? this.o.foundRowsPool : this.o.pool;
  }

  private register(conn: DbConn, pool: ConnPool<DbConn>): StatefulConn {
    const id = ++this.nextId;
    const sc: StatefulConn = {
      id,
      conn,
      pool,
      inTx: false,
      reserved: false,
      txStartedAt: Date.now(),
      settings: [],
      busy: false,
      ended: false,
    };
    this.active.set(id, sc);
    return sc;
  }

  /** Forgets `sc` and remembers why; its connection is returned (or dropped if closed) once not busy. */
  private end(sc: StatefulConn, why: string): void {
    if (this.active.get(sc.id) !== sc) return;
    this.active.delete(sc.id);
    this.ended.set(sc.id, `ended at ${new Date().toISOString()} (${why})`);
    if (this.ended.size > ENDED_MEMORY) this.ended.delete(this.ended.keys().next().value as number);
    sc.ended = true;
    if (!sc.busy) sc.pool.put(sc.conn);
  }

  /** Kills the connection on mysqld (rollback + lock release even mid-statement), then ends it. */
  private async kill(sc: StatefulConn, why: string): Promise<void> {
    if (this.active.get(sc.id) !== sc) return;
    const conn = sc.conn;
    // Close our side first so the pool drops (never reuses) the connection; KILL makes mysqld roll back and
    // release locks now even if a statement is running (mysqld's thread ids are never reused).
    conn.close();
    this.end(sc, why);
    try {
      await this.o.killConnection(conn.threadId);
    } catch (err) {
      this.o.logger.warn({ id: sc.id, threadId: conn.threadId, err: String(err) }, 'kill connection failed');
    }
  }

  private killExpired(): void {
    const now = Date.now();
    for (const sc of [...this.active.values()]) {
      if (sc.inTx && this.o.txTimeoutMs > 0 && now - sc.txStartedAt > this.o.txTimeoutMs) {
        this.o.stats.txKilled++;
        this.o.logger.warn({ id: sc.id, ageMs: now - sc.txStartedAt }, 'killing transaction: exceeded timeout');
        void this.kill(sc, `exceeded timeout: ${formatDuration(this.o.txTimeoutMs)}`);
      } else if (
        !sc.inTx &&
        sc.reserved &&
        !sc.busy &&
        this.o.idleTimeoutMs > 0 &&
        now - sc.conn.lastUsed > this.o.idleTimeoutMs
      ) {
        this.o.stats.reservedKilled++;
        void this.kill(sc, `exceeded idle timeout: ${formatDuration(this.o.idleTimeoutMs)}`);
      }
    }
  }
}

/** Go-style durations as Vitess prints them: 30s, 500ms, 1m30s. */
export function formatDuration(ms: number): string {
  if (ms < 1000) return `${ms}ms`;
  const s = ms / 1000;
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  const rest = s - m * 60;
  return rest === 0 ? `${m}m0s` : `${m}m${rest}s`;
}
