import { VtError } from '../errors/index.js';
import type { Env } from '../env/env.js';
import type { QueryResult, ResultEvent } from '../sqltypes/index.js';
import { ConnPool, type ConnPoolStats } from './conn-pool.js';
import { Consolidator } from './consolidator.js';
import { DbConn, type ConnParams } from './db-conn.js';
import { DeadlineSweeper } from '../rpc/index.js';
import { PlanCache } from './plan-cache.js';
import { QueryExecutor, type ExecuteOptions, type ExecuteRequest } from './query-executor.js';
import { QueryKiller } from './query-killer.js';
import { QueryRules } from './query-rules.js';
import { sqlStatementAnalyzer, type StatementAnalyzer } from './statement-classifier.js';
import type { TabletConfig } from './tablet-config.js';
import { buildTabletPlan, type TabletPlan } from './tablet-plan.js';
import { TabletStats, type TabletStatsSnapshot } from './tablet-stats.js';
import { TxEngine } from './tx-engine.js';

export interface QueryEngineOptions {
  readonly env: Env;
  readonly config: TabletConfig;
  /** The application account (vt_app) and database (vt_<keyspace>) used by the three pools. */
  readonly app: ConnParams;
  /** The dba account (vt_dba): KILL QUERY / KILL CONNECTION and database creation. */
  readonly dba: ConnParams;
  /** Statement analyzer; defaults to the local token-scan classifier. */
  readonly analyzer?: StatementAnalyzer;
  readonly rules?: QueryRules;
  /** Create `app.database` on open if it is missing (as the tablet does at startup). Default true. */
  readonly createDatabase?: boolean;
}

/** begin+execute / reserve+execute results: the ids are valid even when the statement failed (`error`). */
export interface StatefulExecuteResult {
  readonly transactionId: number;
  readonly reservedId: number;
  readonly result?: QueryResult;
  readonly error?: VtError;
}

export interface QueryEngineVars {
  readonly serving: boolean;
  readonly stats: TabletStatsSnapshot;
  readonly pools: {
    readonly query: ConnPoolStats;
    readonly stream: ConnPoolStats;
    readonly transaction: ConnPoolStats;
    /** The transaction pool's CLIENT_FOUND_ROWS twin. */
    readonly transactionFoundRows: ConnPoolStats;
  };
  readonly openTransactions: number;
  readonly reservedConnections: number;
  readonly planCache: ReturnType<PlanCache['stats']>;
  readonly queryRules: number;
  readonly inFlight: number;
}

/**
 * The tablet's query-serving core (Vitess's QueryEngine + TxEngine + QueryExecutor behind one object): plans and
 * caches statements, enforces rules, row caps and timeouts, runs transactions and reserved connections over
 * three pools (query 16, stream 200, transaction 20 by default), and counts everything in `stats`.
 *
 * Lifecycle: `open()` makes it serving; `close()` stops accepting work (UNAVAILABLE), waits up to the shutdown
 * grace period for in-flight requests, rolls back open transactions, closes reserved connections and pools.
 * While mysqld is down, calls fail fast with UNAVAILABLE (connects are refused); pools reconnect by themselves
 * once it is back. The caller (tablet server) has already checked the request's target.
 */
export class QueryEngine {
  readonly stats = new TabletStats();
  private readonly config: TabletConfig;
  private readonly queryPool: ConnPool<DbConn>;
  private readonly streamPool: ConnPool<DbConn>;
  private readonly txPool: ConnPool<DbConn>;
  private readonly txPoolFoundRows: ConnPool<DbConn>;
  private readonly killer: QueryKiller;
  private readonly tx: TxEngine;
  private readonly consolidator: Consolidator<QueryResult>;
  private readonly deadlines = new DeadlineSweeper();
  private readonly executor: QueryExecutor;
  private readonly plans: PlanCache;
  private readonly analyzer: StatementAnalyzer;
  private rules: QueryRules;
  private isServing = false;
  private inFlight = 0;
  private idleWaiters: (() => void)[] = [];
  /** `leave` as a callback made once (the executor calls it when an execution is over). */
  private readonly left = (): void => this.leave();

  constructor(private readonly o: QueryEngineOptions) {
    const c = (this.config = o.config);
    const logger = o.env.logger;
    const connector = (foundRows: boolean) => (): Promise<DbConn> =>
      DbConn.connect({ connectTimeoutMs: c.connectTimeoutMs, ...o.app, foundRows });
    const pool = (
      name: string,
      capacity: number,
      timeoutMs: number,
      timeoutMessage: string,
      foundRows = false,
    ): ConnPool<DbConn> =>
      new ConnPool({
        name,
        capacity,
        timeoutMs,
        timeoutMessage,
        idleTimeoutMs: c.idleTimeoutMs,
        connect: connector(foundRows),
      });
    this.queryPool = pool('query', c.poolSize, c.queryPoolTimeoutMs, 'resource pool timed out');
    this.streamPool = pool('stream', c.streamPoolSize, c.streamPoolTimeoutMs, 'resource pool timed out');
    this.txPool = pool('transaction', c.txPoolSize, c.txPoolTimeoutMs, 'transaction pool connection limit exceeded');
    // As Vitess's found-rows pool: same size, its connections opened only when such a client writes.
    this.txPoolFoundRows = pool(
      'transaction_found_rows',
      c.txPoolSize,
      c.txPoolTimeoutMs,
      'transaction pool connection limit exceeded',
      true,
    );
    this.killer = new QueryKiller({ connectTimeoutMs: c.connectTimeoutMs, ...o.dba }, () => this.stats.kills++);
    this.tx = new TxEngine({
      pool: this.txPool,
      foundRowsPool: this.txPoolFoundRows,
      stats: this.stats,
      logger,
      killConnection: (id) => this.killer.killConnection(id),
      txTimeoutMs: c.txTimeoutMs,
      idleTimeoutMs: c.idleTimeoutMs,
      txPoolTimeoutMs: c.txPoolTimeoutMs,
    });
    this.consolidator = new Consolidator<QueryResult>({
      freeze: freezeResult,
      onJoin: () => this.stats.consolidations++,
    });
    this.executor = new QueryExecutor({
      config: c,
      queryPool: this.queryPool,
      streamPool: this.streamPool,
      tx: this.tx,
      killer: this.killer,
      stats: this.stats,
      consolidator: this.consolidator,
      deadlines: this.deadlines,
    });
    this.plans = new PlanCache(c.planCacheSize);
    this.analyzer = o.analyzer ?? sqlStatementAnalyzer;
    this.rules = o.rules ?? QueryRules.empty();
  }

  /** True between open() and close(); the health code reports NOT_SERVING otherwise. */
  get serving(): boolean {
    return this.isServing;
  }

  /**
   * Opens the pools (lazily: no connection is made until used) and, unless disabled, creates the database with
   * the dba account. Fails with UNAVAILABLE if mysqld cannot be reached for that.
   */
  async open(): Promise<void> {
    if (this.isServing) return;
    if (this.o.createDatabase !== false && this.o.app.database) await this.createDatabase(this.o.app.database);
    this.killer.open();
    this.queryPool.open();
    this.streamPool.open();
    this.txPool.open();
    this.txPoolFoundRows.open();
    this.tx.open();
    this.isServing = true;
  }

  /** Drains (see class comment); idempotent. */
  async close(): Promise<void> {
    if (!this.isServing) return;
    this.isServing = false;
    if (this.inFlight > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        new Promise<void>((r) => this.idleWaiters.push(r)),
        new Promise<void>((r) => (timer = setTimeout(r, this.config.shutdownGracePeriodMs))),
      ]);
      if (timer) clearTimeout(timer);
    }
    // Past the grace period: kill what still runs so the pools can close and mysqld is not left working for
    // callers that are going away.
    const running = [...this.queryPool.lentConnections(), ...this.streamPool.lentConnections()];
    await Promise.all(running.map((c) => this.killer.killQuery(c.threadId).catch(() => c.close())));
    await this.tx.closeAll('tablet is shutting down');
    this.queryPool.close();
    this.streamPool.close();
    this.txPool.close();
    this.txPoolFoundRows.close();
    this.killer.close();
  }

  /** Replaces the query rules (e.g. after the rules file changed); cached plans are dropped. */
  setQueryRules(rules: QueryRules): void {
    this.rules = rules;
    this.plans.clear();
  }

  /** The plan for a SQL text (cached). */
  plan(sql: string): TabletPlan {
    let p = this.plans.get(sql);
    if (!p) {
      p = buildTabletPlan(sql, this.analyzer.analyze(sql), this.rules);
      this.plans.set(sql, p);
    }
    return p;
  }

  /**
   * Runs one statement (see QueryExecutor.execute). Never throws; `req.options.onFailure` hears every failure,
   * the not-serving one included. No promise layer of its own: the executor ends the in-flight count.
   */
  execute(req: ExecuteRequest): Promise<QueryResult> {
    let plan: TabletPlan;
    try {
      this.enter();
    } catch (err) {
      req.options?.onFailure?.(err);
      return Promise.reject(err as Error);
    }
    try {
      plan = this.plan(req.sql);
    } catch (err) {
      this.leave();
      req.options?.onFailure?.(err);
      return Promise.reject(err as Error);
    }
    return this.executor.execute(plan, req, this.left);
  }

  /** `fields`, `rows` batches, then `ok`; see QueryExecutor.stream for limits. */
  async *streamExecute(req: ExecuteRequest): AsyncGenerator<ResultEvent> {
    this.enter();
    try {
      yield* this.executor.stream(this.plan(req.sql), req);
    } finally {
      this.leave();
    }
  }

  begin(opts: Pick<ExecuteOptions, 'reservedId' | 'signal'> & { foundRows?: boolean } = {}): Promise<number> {
    return this.track(() => this.tx.begin(opts));
  }

  /** Begins, then executes `req` in the new transaction. The transaction stays open if the statement fails. */
  beginExecute(req: ExecuteRequest): Promise<StatefulExecuteResult> {
    return this.track(async () => {
      const o = req.options ?? {};
      const transactionId = await this.tx.begin({
        ...(o.reservedId ? { reservedId: o.reservedId } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        foundRows: o.clientFoundRows === true,
      });
      return this.runIn(req, transactionId, o.reservedId ?? 0);
    });
  }

  /** Returns the reserved id if the connection stays reserved, else 0. */
  commit(transactionId: number): Promise<number> {
    return this.track(() => this.tx.commit(transactionId));
  }

  rollback(transactionId: number): Promise<number> {
    return this.track(() => this.tx.rollback(transactionId));
  }

  /** Reserves a connection with `settings` applied (or reserves the transaction's connection); returns the id. */
  reserve(
    settings: readonly string[],
    opts: Pick<ExecuteOptions, 'transactionId' | 'signal'> & { foundRows?: boolean } = {},
  ): Promise<number> {
    return this.track(() => this.tx.reserve(settings, opts));
  }

  /** Reserves (applying `settings`) and executes `req` on the reserved connection. */
  reserveExecute(settings: readonly string[], req: ExecuteRequest): Promise<StatefulExecuteResult> {
    return this.track(async () => {
      const o = req.options ?? {};
      const reservedId = await this.tx.reserve(settings, {
        ...(o.transactionId ? { transactionId: o.transactionId } : {}),
        ...(o.signal ? { signal: o.signal } : {}),
        foundRows: o.clientFoundRows === true,
      });
      return this.runIn(req, o.transactionId ?? 0, reservedId);
    });
  }

  /** Reserves (applying `settings`), begins a transaction on that connection and executes `req` in it. */
  reserveBeginExecute(settings: readonly string[], req: ExecuteRequest): Promise<StatefulExecuteResult> {
    return this.track(async () => {
      const o = req.options ?? {};
      const reservedId = await this.tx.reserve(settings, {
        ...(o.signal ? { signal: o.signal } : {}),
        foundRows: o.clientFoundRows === true,
      });
      try {
        await this.tx.begin({ reservedId });
      } catch (err) {
        await this.tx.release(reservedId).catch(() => undefined);
        throw err;
      }
      return this.runIn(req, reservedId, reservedId);
    });
  }

  /** Releases a reserved connection (rolling back any transaction on it). */
  release(id: number): Promise<void> {
    return this.track(() => this.tx.release(id));
  }

  /** Everything /debug/vars shows for the query engine. */
  vars(): QueryEngineVars {
    const counts = this.tx.counts();
    return {
      serving: this.isServing,
      stats: this.stats.snapshot(),
      pools: {
        query: this.queryPool.stats(),
        stream: this.streamPool.stats(),
        transaction: this.txPool.stats(),
        transactionFoundRows: this.txPoolFoundRows.stats(),
      },
      openTransactions: counts.transactions,
      reservedConnections: counts.reserved,
      planCache: this.plans.stats(),
      queryRules: this.rules.size,
      inFlight: this.inFlight,
    };
  }

  private async runIn(req: ExecuteRequest, transactionId: number, reservedId: number): Promise<StatefulExecuteResult> {
    const id = transactionId || reservedId;
    try {
      const result = await this.executor.execute(this.plan(req.sql), {
        ...req,
        // `signal` and `caller` explicitly: they may be prototype getters, which a spread does not copy.
        options: {
          ...req.options,
          signal: req.options?.signal,
          caller: req.options?.caller,
          // The statement's failure is part of the reply here, not a failed call.
          onFailure: undefined,
          transactionId: id,
          reservedId: id,
        },
      });
      return { transactionId, reservedId, result };
    } catch (err) {
      return { transactionId, reservedId, error: err instanceof VtError ? err : VtError.from(err) };
    }
  }

  /** Runs `fn` as one in-flight request (close() waits for it); rejects UNAVAILABLE when not serving. */
  private track<T>(fn: () => Promise<T>): Promise<T> {
    let p: Promise<T>;
    try {
      this.enter();
    } catch (err) {
      return Promise.reject(err as Error);
    }
    try {
      p = fn();
    } catch (err) {
      this.leave();
      return Promise.reject(err as Error);
    }
    // One reaction instead of an async wrapper: this sits on every request.
    return p.then(
      (v) => {
        this.leave();
        return v;
      },
      (err: unknown) => {
        this.leave();
        throw err;
      },
    );
  }

  private enter(): void {
    if (!this.isServing) throw new VtError('UNAVAILABLE', 'query engine is not serving', { reason: 'NotServing' });
    this.inFlight++;
  }

  private leave(): void {
    this.inFlight--;
    if (this.inFlight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }

  private async createDatabase(db: string): Promise<void> {
    const conn = await DbConn.connect({ connectTimeoutMs: this.config.connectTimeoutMs, ...this.o.dba });
    try {
      await conn.exec(`create database if not exists \`${db.replace(/`/g, '``')}\``);
    } finally {
      conn.close();
    }
  }
}

/** Consolidated results are shared between callers: make them read-only at runtime, not just in types. */
function freezeResult(r: QueryResult): void {
  for (const row of r.rows) Object.freeze(row);
  Object.freeze(r.rows);
  Object.freeze(r.fields);
  Object.freeze(r);
}
