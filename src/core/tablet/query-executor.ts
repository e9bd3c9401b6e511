import { VtError } from '../errors/index.js';
import type { QueryResult, ResultEvent } from '../sqltypes/index.js';
import { substituteBindVars, type BindVars } from './bind-vars.js';
import { CompiledPlan } from './compiled-plan.js';
import type { ConnPool } from './conn-pool.js';
import type { Consolidator } from './consolidator.js';
import type { DbConn, ExecOptions, Killer } from './db-conn.js';
import type { DeadlineSweeper } from '../rpc/index.js';
import type { CallerInfo } from './query-rules.js';
import type { TabletConfig } from './tablet-config.js';
import type { TabletPlan } from './tablet-plan.js';
import type { TabletStats } from './tablet-stats.js';
import type { TabletType } from './tablet-target.js';
import type { TxEngine } from './tx-engine.js';

/** Per-request options, as the tablet server passes them from the RPC. */
export interface ExecuteOptions {
  /** Lowers (never raises) the tablet's query timeout for this statement. */
  readonly queryTimeoutMs?: number;
  /** Run inside this transaction. */
  readonly transactionId?: number;
  /** Run on this reserved connection (equal to transactionId when both are set). */
  readonly reservedId?: number;
  readonly signal?: AbortSignal;
  readonly caller?: CallerInfo;
  /** The target's tablet type, for the consolidator's notOnPrimary mode. */
  readonly tabletType?: TabletType;
  /** Opt this query out of consolidation. */
  readonly skipConsolidator?: boolean;
  /**
   * The gate's client set CLIENT_FOUND_ROWS: writes run on connections with that flag, so UPDATE reports the rows
   * it matched rather than the rows it changed (Vitess's ExecuteOptions.client_found_rows).
   */
  readonly clientFoundRows?: boolean;
  /**
   * QueryExecutor.execute / QueryEngine.execute call this once with the error, just before the returned promise
   * rejects with it (the RPC service counts failures by code without a promise layer of its own).
   */
  onFailure?(err: unknown): void;
}

export interface ExecuteRequest {
  readonly sql: string;
  readonly bindVars?: BindVars;
  readonly options?: ExecuteOptions;
}

export interface QueryExecutorDeps {
  readonly config: TabletConfig;
  readonly queryPool: ConnPool<DbConn>;
  readonly streamPool: ConnPool<DbConn>;
  /**
   * Transactions; autocommit DML also runs on its pools (TxEngine.poolFor: with or without CLIENT_FOUND_ROWS), as
   * in Vitess, so writes are capped by the transaction cap.
   */
  readonly tx: TxEngine;
  readonly killer: Killer;
  readonly stats: TabletStats;
  readonly consolidator: Consolidator<QueryResult>;
  /** Enforces statement timeouts (one timer for all statements instead of one each). */
  readonly deadlines?: DeadlineSweeper;
}

const NO_BIND_VARS: BindVars = {};
const NO_OPTIONS: ExecuteOptions = {};

/**
 * Runs one planned statement with the tablet's protections: query rules, the row cap, the query timeout (KILL
 * QUERY on expiry, 1317/70100), consolidation of identical selects, and per-plan stats. Statements outside a
 * transaction/reservation run on the query pool (streams on the stream pool; autocommit DML on the transaction
 * pool, as Vitess does); others on their own connection.
 *
 * The pooled path of `execute` is the tablet's hottest code: with an idle connection it adds exactly one promise
 * reaction to DbConn.exec's promise (return the connection, hand the result to consolidated callers, check the row
 * cap, count), with no async function or closure layer per step.
 */
export class QueryExecutor {
  /** What each plan compiles to for this executor's row cap and stats. */
  private readonly compiled = new WeakMap<TabletPlan, CompiledPlan>();
  /** ExecOptions of a statement with the tablet's query timeout and no signal: shared, DbConn only reads them. */
  private readonly plainExecOpts: ExecOptions;

  constructor(private readonly d: QueryExecutorDeps) {
    this.plainExecOpts = this.makeExecOpts(d.config.queryTimeoutMs, undefined);
  }

  /**
   * Runs one statement and returns its whole result. Never throws: every failure is a rejection with a VtError,
   * and `opts.onFailure` hears it first. `onDone`, if given, is called exactly once, just before the returned
   * promise settles (the engine's in-flight count).
   */
  execute(plan: TabletPlan, req: ExecuteRequest, onDone?: () => void): Promise<QueryResult> {
    const opts = req.options ?? NO_OPTIONS;
    const started = Date.now();
    const cp = this.compile(plan);
    let sql: string;
    let connId: number;
    try {
      if (cp.hasRules) plan.rules.check(opts.caller);
      connId = this.connFor(cp, opts);
      sql = cp.render(req.bindVars ?? NO_BIND_VARS);
    } catch (err) {
      return Promise.reject(this.failed(cp, started, err, opts, onDone));
    }
    const timeoutMs = this.timeoutFor(opts);
    if (connId) {
      return this.settle(cp, started, this.onConn(cp, connId, sql, timeoutMs, opts.signal), opts, onDone);
    }
    if (cp.consolidatable && this.consolidate(opts))
      return this.consolidated(cp, started, sql, timeoutMs, opts, onDone);
    const dml = cp.autocommitDml;
    const pool = dml ? this.d.tx.poolFor(opts.clientFoundRows) : this.d.queryPool;
    const signal = opts.signal;
    const conn = pool.getIdle(signal);
    if (conn === undefined) {
      const poolTimeoutMs = dml ? this.d.config.txPoolTimeoutMs : this.d.config.queryPoolTimeoutMs;
      return this.settle(cp, started, this.onPool(pool, poolTimeoutMs, sql, timeoutMs, signal), opts, onDone);
    }
    return execOn(conn, sql, this.execOpts(timeoutMs, signal)).then(
      (r) => {
        const now = Date.now();
        pool.put(conn, now);
        return this.succeeded(cp, started, now, r, opts, onDone);
      },
      (err: unknown) => {
        pool.put(conn);
        throw this.failed(cp, started, err, opts, onDone);
      },
    );
  }

  /**
   * A consolidatable select: joins an identical one in flight, or runs it as the leader. The shared execution is
   * not tied to one caller's signal: it runs to completion or its own timeout.
   */
  private consolidated(
    cp: CompiledPlan,
    started: number,
    sql: string,
    timeoutMs: number,
    opts: ExecuteOptions,
    onDone: (() => void) | undefined,
  ): Promise<QueryResult> {
    const cons = this.d.consolidator;
    const joined = cons.join(sql);
    if (joined !== undefined) return this.settle(cp, started, joined, opts, onDone);
    const lead = cons.lead(sql);
    const pool = this.d.queryPool;
    const conn = pool.getIdle();
    const p =
      conn === undefined
        ? this.onPool(pool, this.d.config.queryPoolTimeoutMs, sql, timeoutMs, undefined)
        : execOn(conn, sql, this.execOpts(timeoutMs, undefined));
    // The consolidation is settled first, so that joiners get their answer whatever happens after.
    return p.then(
      (r) => {
        cons.resolve(lead, r);
        const now = Date.now();
        if (conn !== undefined) pool.put(conn, now);
        return this.succeeded(cp, started, now, r, opts, onDone);
      },
      (err: unknown) => {
        cons.reject(lead, err);
        if (conn !== undefined) pool.put(conn);
        throw this.failed(cp, started, err, opts, onDone);
      },
    );
  }

  /** The caller's end of an execution that ran elsewhere (consolidated, transaction, waited for a connection). */
  private settle(
    cp: CompiledPlan,
    started: number,
    p: Promise<QueryResult>,
    opts: ExecuteOptions,
    onDone: (() => void) | undefined,
  ): Promise<QueryResult> {
    return p.then(
      (r) => this.succeeded(cp, started, Date.now(), r, opts, onDone),
      (err: unknown) => {
        throw this.failed(cp, started, err, opts, onDone);
      },
    );
  }

  /**
   * Row cap, stats, `onDone`: the result, or throws the row-cap error (after counting it as a failure). `now` is
   * the clock read once when the statement returned.
   */
  private succeeded(
    cp: CompiledPlan,
    started: number,
    now: number,
    r: QueryResult,
    opts: ExecuteOptions,
    onDone: (() => void) | undefined,
  ): QueryResult {
    const rows = r.rows.length;
    const maxRows = this.d.config.maxResultSize;
    if (cp.rowCapped && rows > maxRows) {
      const err = new VtError('ABORTED', `Row count exceeded ${maxRows}`, { reason: 'RowCountExceeded' });
      throw this.failed(cp, started, err, opts, onDone);
    }
    this.d.stats.record(cp.counters, now - started, rows, false);
    onDone?.();
    return r;
  }

  /** Counts a failed execution; returns the error to reject with. */
  private failed(
    cp: CompiledPlan,
    started: number,
    err: unknown,
    opts: ExecuteOptions,
    onDone: (() => void) | undefined,
  ): VtError {
    const e = err instanceof VtError ? err : VtError.from(err);
    this.d.stats.record(cp.counters, Date.now() - started, 0, true);
    this.d.stats.recordError(e.code);
    onDone?.();
    opts.onFailure?.(e);
    return e;
  }

  /** Runs on the transaction's or reserved connection `connId`, holding its lock. */
  private async onConn(
    cp: CompiledPlan,
    connId: number,
    sql: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<QueryResult> {
    const sc = this.d.tx.lock(connId, 'execute');
    try {
      // DDL commits implicitly in MySQL, which would end the transaction behind the engine's back.
      if (cp.planType === 'DDL' && sc.inTx) {
        throw new VtError('FAILED_PRECONDITION', 'DDL statement executed inside a transaction');
      }
      return await sc.conn.exec(sql, this.execOpts(timeoutMs, signal));
    } catch (err) {
      // Killed by the transaction killer mid-statement: report why, not the lost connection.
      throw (sc.ended && this.d.tx.endedError(connId)) || err;
    } finally {
      this.d.tx.unlock(sc);
    }
  }

  /**
   * Streams a statement: `fields`, `rows` batches, `ok`. No row cap and, for reads outside a transaction, no query
   * timeout (as Vitess's OLAP streaming); cancel with the signal or by breaking out of the loop.
   */
  async *stream(plan: TabletPlan, req: ExecuteRequest): AsyncGenerator<ResultEvent> {
    const opts = req.options ?? NO_OPTIONS;
    const started = Date.now();
    const cp = this.compile(plan);
    let rows = 0;
    let failed = false;
    try {
      plan.rules.check(opts.caller);
      const connId = this.connFor(cp, opts);
      const sql = substituteBindVars(plan.sql, req.bindVars ?? NO_BIND_VARS);
      const isRead = plan.planType.startsWith('Select') || plan.planType === 'Show' || plan.planType === 'OtherRead';
      const timeoutMs = isRead && !connId ? 0 : this.timeoutFor(opts);
      const streamOpts = { ...this.execOpts(timeoutMs, opts.signal), batchBytes: this.d.config.streamBufferSize };
      if (connId) {
        const sc = this.d.tx.lock(connId, 'stream');
        try {
          if (plan.planType === 'DDL' && sc.inTx) {
            throw new VtError('FAILED_PRECONDITION', 'DDL statement executed inside a transaction');
          }
          for await (const ev of sc.conn.stream(sql, streamOpts)) {
            if (ev.kind === 'rows') rows += ev.rows.length;
            yield ev;
          }
        } finally {
          this.d.tx.unlock(sc);
        }
      } else {
        const conn = await this.d.streamPool.get(this.getOpts(this.d.config.streamPoolTimeoutMs, opts.signal));
        try {
          for await (const ev of conn.stream(sql, streamOpts)) {
            if (ev.kind === 'rows') rows += ev.rows.length;
            yield ev;
          }
        } finally {
          this.d.streamPool.put(conn);
        }
      }
    } catch (err) {
      failed = true;
      const e = err instanceof VtError ? err : VtError.from(err);
      this.d.stats.recordError(e.code);
      throw e;
    } finally {
      this.d.stats.record(cp.counters, Date.now() - started, rows, failed);
    }
  }

  private compile(plan: TabletPlan): CompiledPlan {
    let cp = this.compiled.get(plan);
    if (cp === undefined) {
      cp = new CompiledPlan(plan, this.d.config.maxResultSize, this.d.stats);
      this.compiled.set(plan, cp);
    }
    return cp;
  }

  /** Returns the stateful connection id to use (0 = pooled) after checking the plan may run there. */
  private connFor(cp: CompiledPlan, opts: ExecuteOptions): number {
    const tx = opts.transactionId ?? 0;
    const rs = opts.reservedId ?? 0;
    if (tx && rs && tx !== rs) {
      throw new VtError(
        'INVALID_ARGUMENT',
        `transaction id ${tx} and reserved id ${rs} must be equal when both are set`,
      );
    }
    if (cp.neverExecuted) {
      throw new VtError(
        'INVALID_ARGUMENT',
        `${cp.planType} statements are not executed as queries: use the Begin/Commit/Rollback calls and the tablet's keyspace`,
      );
    }
    const connId = tx || rs;
    if (!connId && cp.statefulOnly) {
      throw new VtError(
        'FAILED_PRECONDITION',
        `${cp.planType} is only allowed in a transaction or on a reserved connection: ${cp.plan.sql}`,
      );
    }
    return connId;
  }

  private consolidate(opts: ExecuteOptions): boolean {
    if (opts.skipConsolidator) return false;
    const mode = this.d.config.consolidator;
    return (
      mode === 'enable' || (mode === 'notOnPrimary' && opts.tabletType !== undefined && opts.tabletType !== 'primary')
    );
  }

  private timeoutFor(opts: ExecuteOptions): number {
    const base = this.d.config.queryTimeoutMs;
    const asked = opts.queryTimeoutMs;
    if (asked === undefined || asked <= 0) return base;
    return base > 0 ? Math.min(base, asked) : asked;
  }

  /** DbConn options for a statement; the shared plainExecOpts when they would equal them. */
  private execOpts(timeoutMs: number, signal: AbortSignal | undefined): ExecOptions {
    if (signal === undefined && timeoutMs === this.d.config.queryTimeoutMs) return this.plainExecOpts;
    return this.makeExecOpts(timeoutMs, signal);
  }

  private makeExecOpts(timeoutMs: number, signal: AbortSignal | undefined): ExecOptions {
    const deadlines = this.d.deadlines;
    if (signal)
      return deadlines
        ? { timeoutMs, killer: this.d.killer, signal, deadlines }
        : { timeoutMs, killer: this.d.killer, signal };
    return deadlines ? { timeoutMs, killer: this.d.killer, deadlines } : { timeoutMs, killer: this.d.killer };
  }

  private getOpts(timeoutMs: number, signal: AbortSignal | undefined) {
    return { timeoutMs, ...(signal ? { signal } : {}) };
  }

  /**
   * Runs on a pooled connection. The pool wait is bounded by `poolTimeoutMs`, or by the query timeout when that
   * is 0, and counts against the query timeout.
   */
  private async onPool(
    pool: ConnPool<DbConn>,
    poolTimeoutMs: number,
    sql: string,
    timeoutMs: number,
    signal: AbortSignal | undefined,
  ): Promise<QueryResult> {
    const started = Date.now();
    const waitMs = poolTimeoutMs > 0 ? poolTimeoutMs : timeoutMs;
    const conn: DbConn = pool.getIdle(signal) ?? (await pool.get(this.getOpts(waitMs, signal)));
    try {
      const left = timeoutMs > 0 ? Math.max(1, timeoutMs - (Date.now() - started)) : 0;
      return await conn.exec(sql, this.execOpts(left, signal));
    } finally {
      pool.put(conn);
    }
  }
}

/** `conn.exec`, with a synchronous throw (a broken connection class) turned into a rejection like any other. */
function execOn(conn: DbConn, sql: string, opts: ExecOptions): Promise<QueryResult> {
  try {
    return conn.exec(sql, opts);
  } catch (err) {
    return Promise.reject(err as Error);
  }
}
