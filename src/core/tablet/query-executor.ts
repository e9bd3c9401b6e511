import { VtError } from '../errors/index.js';
import type { QueryResult, ResultEvent } from '../sqltypes/index.js';
import { substituteBindVars, type BindVars } from './bind-vars.js';
import { BindTemplate } from './bind-template.js';
import type { ConnPool } from './conn-pool.js';
import type { Consolidator } from './consolidator.js';
import type { DbConn, ExecOptions, Killer } from './db-conn.js';
import type { DeadlineSweeper } from '../rpc/index.js';
import type { CallerInfo } from './query-rules.js';
import type { TabletConfig } from './tablet-config.js';
import { withRowCap, type TabletPlan } from './tablet-plan.js';
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
}

export interface ExecuteRequest {
  readonly sql: string;
  readonly bindVars?: BindVars;
  readonly options?: ExecuteOptions;
}

export interface QueryExecutorDeps {
  readonly config: TabletConfig;
  readonly queryPool: ConnPool<DbConn>;
  /** Autocommit DML runs on the transaction pool, as in Vitess, so writes are capped by the transaction cap. */
  readonly txPool: ConnPool<DbConn>;
  readonly streamPool: ConnPool<DbConn>;
  readonly tx: TxEngine;
  readonly killer: Killer;
  readonly stats: TabletStats;
  readonly consolidator: Consolidator<QueryResult>;
  /** Enforces statement timeouts (one timer for all statements instead of one each). */
  readonly deadlines?: DeadlineSweeper;
}

/**
 * Plans that only make sense on a connection the client owns: session state or locks would otherwise leak into
 * a pooled connection (Vitess's gate reserves a connection for them).
 */
const statefulOnly = new Set([
  'Set',
  'Savepoint',
  'Release',
  'SRollback',
  'LockTables',
  'UnlockTables',
  'SelectLockFunc',
]);
const NO_BIND_VARS: BindVars = {};

/** Statements that write outside a transaction: autocommit on a transaction-pool connection. */
const autocommitDml = new Set(['Insert', 'Update', 'Delete', 'Load']);
/** Transaction control goes through begin/commit/rollback, never through execute. */
const neverExecuted = new Set(['Begin', 'Commit', 'Rollback', 'Use']);

/**
 * Runs one planned statement with the tablet's protections: query rules, the row cap, the query timeout (KILL
 * QUERY on expiry, 1317/70100), consolidation of identical selects, and per-plan stats. Statements outside a
 * transaction/reservation run on the query pool (streams on the stream pool; autocommit DML on the transaction
 * pool, as Vitess does); others on their own connection.
 */
export class QueryExecutor {
  /** The row-capped SQL of each plan, pre-split at its bind variables (null: it does not lex). */
  private readonly templates = new WeakMap<TabletPlan, BindTemplate | null>();

  constructor(private readonly d: QueryExecutorDeps) {}

  /** `substituteBindVars(withRowCap(plan, cap), bindVars)`, lexing each plan's SQL once. */
  private render(plan: TabletPlan, cap: number, bindVars: BindVars): string {
    let t = this.templates.get(plan);
    if (t === undefined) {
      t = BindTemplate.compile(withRowCap(plan, cap)) ?? null;
      this.templates.set(plan, t);
    }
    return t === null ? substituteBindVars(withRowCap(plan, cap), bindVars) : t.render(bindVars);
  }

  async execute(plan: TabletPlan, req: ExecuteRequest): Promise<QueryResult> {
    const opts = req.options ?? {};
    const started = Date.now();
    let rows = 0;
    try {
      plan.rules.check(opts.caller);
      const connId = this.checkTarget(plan, opts);
      const maxRows = this.d.config.maxResultSize;
      const sql = this.render(plan, maxRows + 1, req.bindVars ?? NO_BIND_VARS);
      const timeoutMs = this.timeoutFor(opts);
      let result: QueryResult;
      if (connId) {
        const sc = this.d.tx.lock(connId, 'execute');
        try {
          // DDL commits implicitly in MySQL, which would end the transaction behind the engine's back.
          if (plan.planType === 'DDL' && sc.inTx) {
            throw new VtError('FAILED_PRECONDITION', 'DDL statement executed inside a transaction');
          }
          result = await sc.conn.exec(sql, this.execOpts(timeoutMs, opts.signal));
        } catch (err) {
          // Killed by the transaction killer mid-statement: report why, not the lost connection.
          throw (sc.ended && this.d.tx.endedError(connId)) || err;
        } finally {
          this.d.tx.unlock(sc);
        }
      } else if (plan.consolidatable && this.consolidate(opts)) {
        // The shared execution is not tied to one caller's signal: it runs to completion or its own timeout.
        result = await this.d.consolidator.run(sql, () =>
          this.onPool(this.d.queryPool, this.d.config.queryPoolTimeoutMs, sql, timeoutMs, undefined),
        );
      } else if (autocommitDml.has(plan.planType)) {
        result = await this.onPool(this.d.txPool, this.d.config.txPoolTimeoutMs, sql, timeoutMs, opts.signal);
      } else {
        result = await this.onPool(this.d.queryPool, this.d.config.queryPoolTimeoutMs, sql, timeoutMs, opts.signal);
      }
      if (plan.rowCapped && result.rows.length > maxRows) {
        throw new VtError('ABORTED', `Row count exceeded ${maxRows}`, { reason: 'RowCountExceeded' });
      }
      rows = result.rows.length;
      this.d.stats.recordQuery(plan.planType, Date.now() - started, rows, false);
      return result;
    } catch (err) {
      const e = err instanceof VtError ? err : VtError.from(err);
      this.d.stats.recordQuery(plan.planType, Date.now() - started, 0, true);
      this.d.stats.recordError(e.code);
      throw e;
    }
  }

  /**
   * Streams a statement: `fields`, `rows` batches, `ok`. No row cap and, for reads outside a transaction, no query
   * timeout (as Vitess's OLAP streaming); cancel with the signal or by breaking out of the loop.
   */
  async *stream(plan: TabletPlan, req: ExecuteRequest): AsyncGenerator<ResultEvent> {
    const opts = req.options ?? {};
    const started = Date.now();
    let rows = 0;
    let failed = false;
    try {
      plan.rules.check(opts.caller);
      const connId = this.checkTarget(plan, opts);
      const sql = substituteBindVars(plan.sql, req.bindVars ?? {});
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
      this.d.stats.recordQuery(plan.planType, Date.now() - started, rows, failed);
    }
  }

  /** Returns the stateful connection id to use (0 = pooled) after checking the plan may run there. */
  private checkTarget(plan: TabletPlan, opts: ExecuteOptions): number {
    const { transactionId: tx = 0, reservedId: rs = 0 } = opts;
    if (tx && rs && tx !== rs) {
      throw new VtError(
        'INVALID_ARGUMENT',
        `transaction id ${tx} and reserved id ${rs} must be equal when both are set`,
      );
    }
    if (neverExecuted.has(plan.planType)) {
      throw new VtError(
        'INVALID_ARGUMENT',
        `${plan.planType} statements are not executed as queries: use the Begin/Commit/Rollback calls and the tablet's keyspace`,
      );
    }
    const connId = tx || rs;
    if (!connId && statefulOnly.has(plan.planType)) {
      throw new VtError(
        'FAILED_PRECONDITION',
        `${plan.planType} is only allowed in a transaction or on a reserved connection: ${plan.sql}`,
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

  private execOpts(timeoutMs: number, signal: AbortSignal | undefined): ExecOptions {
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
