import { performance } from 'node:perf_hooks';
import type { Env } from '../env/env.js';
import { Err, ErrNo, VtError } from '../errors/index.js';
import { bindVar, type BindVar, type BindVars } from '../sql/bind-vars.js';
import { Directive, directiveInt } from '../sql/directives.js';
import { normalize, type NormalizeResult } from '../sql/normalize.js';
import { hasEscapedBytes } from '../sqltypes/escaped-utf8.js';
import { resolveLimit } from '../sql/resolve-limit.js';
import type { ShowInfo, StatementInfo } from '../sql/statement-info.js';
import type { Field } from '../sqltypes/field.js';
import { MysqlType } from '../sqltypes/mysql-type.js';
import { collectResults, queryResult, resultEvents, type QueryResult, type ResultEvent } from '../sqltypes/result.js';
import type { TabletTarget } from '../tablet/tablet-target.js';
import * as answers from './gate-answers.js';
import { buildPlan, tablesOf, type GatePlan } from './gate-plan.js';
import type { GateSession } from './gate-session.js';
import type { GateStats } from './gate-stats.js';
import type { HealthCheck } from './health-check.js';
import type { KeyspaceCache, KeyspaceInfo } from './keyspace-cache.js';
import { PlanCache, type PlanCacheEntry } from './plan-cache.js';
import { showStatement } from './show-routing.js';
import { applySet } from './session-vars.js';
import { parseTarget } from './target.js';
import { TabletGateway, type CallSettings } from './tablet-gateway.js';

export interface ExecutorOptions {
  readonly env: Env;
  readonly keyspaces: KeyspaceCache;
  readonly healthCheck: HealthCheck;
  readonly stats: GateStats;
  /** @@version and the handshake version, e.g. `8.0.40-vt`. */
  readonly serverVersion: string;
  readonly versionComment?: string;
  /** Default gate-side timeout per statement in ms (0: none). */
  readonly queryTimeoutMs?: number;
  /** Largest result the gate holds in memory (Vitess's max_memory_rows); default 300000. */
  readonly maxMemoryRows?: number;
  readonly planCacheSize?: number;
}

/** Per-call facts about the client connection. */
export interface ExecuteContext {
  readonly connectionId: number;
  readonly signal: AbortSignal;
  /** The client connection negotiated CLIENT_FOUND_ROWS (UPDATE counts matched rows, as MySQL does for it). */
  readonly foundRows?: boolean;
}

/** Where a statement went, for the stats. */
interface Routed {
  keyspace: string;
  shard: string;
}

/**
 * The gate's executor for unsharded and shard-targeted routing: normalizes each statement, looks its plan up
 * (normalized SQL + target), and either answers it in the gate (session statements, Vitess SHOWs, @@version...)
 * or sends it to one shard through the TabletGateway. Sharded keyspaces without a shard target are refused with
 * 1235/42000 until the planner exists.
 */
export class Executor {
  readonly plans: PlanCache<GatePlan>;
  readonly gateway: TabletGateway;
  private readonly maxMemoryRows: number;

  constructor(private readonly o: ExecutorOptions) {
    this.plans = new PlanCache(o.planCacheSize ?? 5000);
    this.gateway = new TabletGateway(o.healthCheck);
    this.maxMemoryRows = o.maxMemoryRows ?? 300_000;
  }

  /**
   * Runs ONE statement. `params` are the COM_STMT_EXECUTE values as `v1..vN`; `normalized` is normalize(sql) when
   * the caller already has it (prepared statements keep it from prepare()). Resolves to the whole result, or to a
   * stream of `fields rows* ok` events (OLAP reads) that must be consumed; errors are VtErrors (MySQL
   * errno/SQLSTATE as the client should see them). Not an async generator on purpose: a materialized result costs
   * no per-event promise hops on the way to the wire.
   */
  async executeOne(
    session: GateSession,
    ctx: ExecuteContext,
    sql: string,
    params?: BindVars,
    normalized?: NormalizeResult,
  ): Promise<QueryResult | AsyncIterable<ResultEvent>> {
    const t0 = performance.now();
    const routed: Routed = { keyspace: '', shard: '' };
    let entry: PlanCacheEntry<GatePlan> | undefined;
    let kind = 'unknown';
    let r: QueryResult | AsyncIterable<ResultEvent>;
    try {
      const norm = normalized ?? normalize(sql);
      const key = session.planKeyPrefix(this.o.keyspaces.generation) + norm.normalized;
      entry = this.plans.get(key);
      if (entry === undefined) {
        entry = this.plans.set(
          key,
          buildPlan(norm.normalized, (n) => this.o.keyspaces.get(n) !== undefined),
        );
      }
      const plan = entry.plan;
      kind = plan.info.kind;
      const bindVars: BindVars =
        params === undefined ? norm.bindVars : isEmpty(norm.bindVars) ? params : { ...norm.bindVars, ...params };
      r = await this.run(session, ctx, plan, sql, bindVars, params !== undefined, routed);
    } catch (e) {
      throw this.failed(e, entry, kind, routed, t0);
    }
    if (!isResult(r)) return this.counted(r, entry, kind, routed, t0);
    if (r.insertId !== 0 && r.insertId !== 0n) session.lastInsertId = r.insertId;
    this.done(entry, kind, routed, t0, r.rows.length);
    return r;
  }

  /** executeOne as one event stream (for callers that do not care about materialized results). */
  async *execute(
    session: GateSession,
    ctx: ExecuteContext,
    sql: string,
    params?: BindVars,
  ): AsyncGenerator<ResultEvent> {
    const r = await this.executeOne(session, ctx, sql, params);
    if (isResult(r)) yield* resultEvents(r);
    else yield* r;
  }

  private done(
    entry: PlanCacheEntry<GatePlan> | undefined,
    kind: string,
    routed: Routed,
    t0: number,
    rows: number,
  ): void {
    const micros = Math.round((performance.now() - t0) * 1000);
    if (entry !== undefined) {
      entry.execCount++;
      entry.totalMicros += micros;
      entry.rowsReturned += rows;
    }
    this.o.stats.recordQuery(kind, routed.keyspace, routed.shard, micros);
  }

  private failed(
    e: unknown,
    entry: PlanCacheEntry<GatePlan> | undefined,
    kind: string,
    routed: Routed,
    t0: number,
  ): VtError {
    const err = VtError.from(e);
    if (entry !== undefined) entry.errorCount++;
    this.o.stats.recordError(err.code, err.errno);
    this.done(entry, kind, routed, t0, 0);
    return err;
  }

  /** A streamed result, counted (rows, time, errors) when it ends. */
  private async *counted(
    events: AsyncIterable<ResultEvent>,
    entry: PlanCacheEntry<GatePlan> | undefined,
    kind: string,
    routed: Routed,
    t0: number,
  ): AsyncGenerator<ResultEvent> {
    let rows = 0;
    try {
      for await (const ev of events) {
        if (ev.kind === 'rows') rows += ev.rows.length;
        yield ev;
      }
    } catch (e) {
      throw this.failed(e, entry, kind, routed, t0);
    }
    this.done(entry, kind, routed, t0, rows);
  }

  /**
   * COM_STMT_PREPARE: the number of `?` and the result columns. Columns of a SELECT come from running it once on
   * its tablet with every `?` as NULL and its LIMIT replaced by `limit 0` (the client library needs them now to
   * read the rows of each execution); a probe that is not valid SQL that way (e.g. `?` where NULL cannot stand)
   * reports no columns. Other errors (unknown table, no database...) fail the prepare, as in MySQL.
   */
  async prepare(
    session: GateSession,
    ctx: ExecuteContext,
    sql: string,
  ): Promise<{ paramCount: number; columns: readonly Field[]; data: NormalizeResult }> {
    const norm = normalize(sql);
    const isKs = (n: string): boolean => this.o.keyspaces.get(n) !== undefined;
    const plan = buildPlan(norm.normalized, isKs);
    const info = plan.info;
    if (info.kind !== 'select' || info.into) return { paramCount: norm.paramCount, columns: [], data: norm };
    const params: Record<string, BindVar> = { ...norm.bindVars };
    for (let i = 1; i <= norm.paramCount; i++) params[`v${i}`] = bindVar.null();
    if (plan.gateSelect !== undefined) {
      const facts = {
        serverVersion: this.o.serverVersion,
        versionComment: this.versionComment(),
        connectionId: ctx.connectionId,
      };
      return {
        paramCount: norm.paramCount,
        columns: answers.gateSelect(plan.gateSelect, plan.columnNames, session, facts, 0).fields,
        data: norm,
      };
    }
    const n = norm.normalized;
    const probe =
      info.limit !== undefined
        ? `${n.slice(0, info.limit.start)}limit 0${n.slice(info.limit.end)}`
        : `${n.slice(0, info.limitInsertAt)} limit 0${n.slice(info.limitInsertAt)}`;
    try {
      const probePlan = buildPlan(probe, isKs);
      const r = await this.run(session, ctx, probePlan, probe, params, true, { keyspace: '', shard: '' });
      const [res] = isResult(r) ? [r] : await collectResults(r);
      return { paramCount: norm.paramCount, columns: res?.fields ?? [], data: norm };
    } catch (e) {
      if (e instanceof VtError && e.errno === ErrNo.ER_PARSE_ERROR)
        return { paramCount: norm.paramCount, columns: [], data: norm };
      throw e;
    }
  }

  /** USE / COM_INIT_DB / connect database: validates the target (1049 for an unknown keyspace or shard). */
  async useTarget(session: GateSession, text: string): Promise<void> {
    const t = parseTarget(text);
    if (t.keyspace !== '') {
      const ks = await this.o.keyspaces.lookup(t.keyspace);
      if (ks === undefined || (t.shard !== undefined && !ks.shards.includes(t.shard))) throw Err.badDb(text);
    }
    session.target = t;
  }

  /** Connection close / reset: rolls back and releases tablet state. Never throws. */
  async closeSession(session: GateSession): Promise<void> {
    await this.gateway.releaseAll(session);
  }

  private callSettings(session: GateSession, plan: GatePlan, ctx: ExecuteContext): CallSettings {
    const d = directiveInt(plan.info.directives, Directive.QUERY_TIMEOUT_MS);
    const t = d ?? (session.queryTimeoutMs || this.o.queryTimeoutMs || 0);
    return { timeoutMs: t > 0 ? t : undefined, signal: ctx.signal, foundRows: ctx.foundRows === true };
  }

  /**
   * Not async: the common case (a pass-through statement) returns passthrough's promise as is, without another
   * async function layer per query.
   */
  private run(
    session: GateSession,
    ctx: ExecuteContext,
    plan: GatePlan,
    sql: string,
    bindVars: BindVars,
    prepared: boolean,
    routed: Routed,
  ): Promise<QueryResult | AsyncIterable<ResultEvent>> {
    const info = plan.info;
    const cs = this.callSettings(session, plan, ctx);
    switch (info.kind) {
      case 'select':
        if (plan.gateSelect !== undefined) {
          const limit = info.limit === undefined ? undefined : resolveLimit(info.limit.rowCount, bindVars);
          const facts = {
            serverVersion: this.o.serverVersion,
            versionComment: this.versionComment(),
            connectionId: ctx.connectionId,
          };
          return Promise.resolve(answers.gateSelect(plan.gateSelect, plan.columnNames, session, facts, limit));
        }
        return this.passthrough(session, plan, sql, bindVars, prepared, cs, routed);
      case 'begin':
        return this.begin(session);
      case 'commit':
        return this.gateway.commit(session).then(emptyResult);
      case 'rollback':
        return this.gateway.rollback(session).then(emptyResult);
      case 'savepoint':
      case 'release_savepoint':
      case 'rollback_to_savepoint':
        return this.savepoint(session, plan, sql, prepared, cs, routed);
      case 'set':
        return applySet(info.assignments, {
          session,
          gateway: this.gateway,
          cs,
          defaultTarget: () => this.tryDefaultTarget(session),
          evaluate: (expr) => this.evaluate(session, ctx, expr),
        }).then(emptyResult);
      case 'use':
        return this.useTarget(session, info.target).then(emptyResult);
      case 'show':
        return this.show(session, plan, info, cs, routed);
      case 'comment_only':
        return Promise.resolve(queryResult());
      case 'ddl':
        if (info.object === 'database')
          return Promise.reject(Err.notSupported(`${info.action.toUpperCase()} DATABASE (use vt ctl create-keyspace)`));
        return this.passthrough(session, plan, sql, bindVars, prepared, cs, routed);
      case 'lock_tables':
        return Promise.reject(Err.notSupported('LOCK TABLES'));
      case 'load':
        return Promise.reject(Err.notSupported('LOAD DATA'));
      case 'stream':
        return Promise.reject(Err.notSupported('STREAM'));
      case 'explain':
        if (info.vexplain !== undefined || info.format === 'vitess')
          return Promise.reject(Err.notSupported('VEXPLAIN (lands with the planner)'));
        return this.passthrough(session, plan, sql, bindVars, prepared, cs, routed);
      default:
        return this.passthrough(session, plan, sql, bindVars, prepared, cs, routed);
    }
  }

  private async begin(session: GateSession): Promise<QueryResult> {
    if (session.inTransaction) await this.gateway.commit(session); // MySQL: BEGIN commits an open transaction
    session.inTransaction = true;
    return queryResult();
  }

  private versionComment(): string {
    return this.o.versionComment ?? 'vt: Vitess-compatible gate over MariaDB';
  }

  private async passthrough(
    session: GateSession,
    plan: GatePlan,
    sql: string,
    bindVars: BindVars,
    prepared: boolean,
    cs: CallSettings,
    routed: Routed,
  ): Promise<QueryResult | AsyncIterable<ResultEvent>> {
    const routedTo = this.route(session, plan);
    const target = routedTo instanceof Promise ? await routedTo : routedTo;
    routed.keyspace = target.keyspace;
    routed.shard = target.shard;
    let text = sql;
    let bv: BindVars | undefined;
    const limit = plan.selectLimitAt !== undefined ? session.sqlSelectLimit : undefined;
    // Text that was not valid UTF-8 (raw bytes in a literal) cannot travel as a string: the normalized form
    // carries those literals as exact-bytes bind variables instead.
    if (prepared || plan.rewritten || limit !== undefined || hasEscapedBytes(sql)) {
      text =
        limit === undefined
          ? plan.sql
          : `${plan.sql.slice(0, plan.selectLimitAt)} limit ${limit}${plan.sql.slice(plan.selectLimitAt)}`;
      bv = bindVars;
      if (plan.userVars.length > 0) {
        const all: Record<string, BindVar> = { ...bindVars };
        for (const [name, uv] of plan.userVars) all[name] = session.userVars.get(uv) ?? bindVar.null();
        bv = all;
      }
    }
    const readOnly = plan.info.kind === 'select' && !plan.info.forUpdate && !plan.info.lockInShareMode;
    if (plan.info.kind === 'ddl') {
      // MySQL commits an open transaction before DDL (implicit commit); the DDL itself runs outside it.
      if (session.inTransaction) await this.gateway.commit(session);
    } else if (!session.autocommit && !session.inTransaction) session.inTransaction = true;
    const stream = session.workload === 'olap' && readOnly;
    const r = await this.gateway.execute(session, { target, sql: text, bindVars: bv, stream }, cs, readOnly);
    if (isResult(r) && r.rows.length > this.maxMemoryRows) {
      throw new VtError('RESOURCE_EXHAUSTED', `in-memory row count exceeded allowed limit of ${this.maxMemoryRows}`);
    }
    return r;
  }

  /**
   * The tablet target of a pass-through statement: the keyspace from a `ks.` qualifier or the session; its only
   * shard, or the session's shard target. Statements naming no table (SELECT 1, SHOW VARIABLES) may go to any
   * keyspace when none is selected.
   */
  private route(session: GateSession, plan: GatePlan): TabletTarget | Promise<TabletTarget> {
    if (plan.crossKeyspace)
      throw Err.notSupported('statements across keyspaces (sharded routing lands with the planner)');
    const st = session.target;
    const ksName = plan.keyspace ?? st.keyspace;
    if (ksName === '') {
      if (tablesOf(plan.info).some((t) => t.qualifier === undefined)) throw Err.noDb();
      const any = this.anyKeyspace();
      return { keyspace: any.name, shard: any.shards[0]!, tabletType: st.tabletType };
    }
    const known = this.o.keyspaces.get(ksName);
    if (known !== undefined) return session.routeTarget(known, this.shardOf(session, known));
    return this.o.keyspaces.lookup(ksName).then((ks) => {
      if (ks === undefined) throw Err.badDb(ksName);
      return session.routeTarget(ks, this.shardOf(session, ks));
    });
  }

  private shardOf(session: GateSession, ks: KeyspaceInfo): string {
    if (session.target.shard !== undefined && session.target.keyspace === ks.name) return session.target.shard;
    if (ks.sharded) {
      throw new VtError(
        'UNIMPLEMENTED',
        `keyspace ${ks.name} is sharded: not supported yet (sharded routing lands with the planner); target a shard with USE ${ks.name}:<shard>`,
        { errno: ErrNo.ER_NOT_SUPPORTED_YET, sqlState: '42000' },
      );
    }
    if (ks.shards.length === 0) throw Err.unavailable(`keyspace ${ks.name} has no shards`);
    return ks.shards[0]!;
  }

  /** A keyspace for statements that name no table: the first unsharded one, else the first with shards. */
  private anyKeyspace(): KeyspaceInfo {
    const all = this.o.keyspaces.all().filter((k) => k.shards.length > 0);
    const k = all.find((x) => !x.sharded) ?? all[0];
    if (k === undefined) throw Err.unavailable('no keyspace with serving shards');
    return k;
  }

  /** The session's own target when it resolves to one shard (for SET and SHOW WARNINGS), else undefined. */
  private tryDefaultTarget(session: GateSession): TabletTarget | undefined {
    const st = session.target;
    if (st.keyspace === '') return undefined;
    const ks = this.o.keyspaces.get(st.keyspace);
    if (ks === undefined) return undefined;
    if (st.shard !== undefined) return { keyspace: ks.name, shard: st.shard, tabletType: st.tabletType };
    if (ks.sharded || ks.shards.length === 0) return undefined;
    return { keyspace: ks.name, shard: ks.shards[0]!, tabletType: st.tabletType };
  }

  /** Value of an expression (`SET @x = expr`), computed by the tablet: SELECT expr. */
  private async evaluate(session: GateSession, ctx: ExecuteContext, expr: string): Promise<BindVar> {
    const [r] = await collectResults(this.execute(session, ctx, `select ${expr}`));
    const v = r?.rows[0]?.[0];
    const f = r?.fields[0];
    if (v === undefined || v === null || f === undefined) return bindVar.null();
    if (Buffer.isBuffer(v)) return bindVar.bytes(v);
    switch (f.type) {
      case MysqlType.TINY:
      case MysqlType.SHORT:
      case MysqlType.LONG:
      case MysqlType.INT24:
      case MysqlType.LONGLONG:
        return v.startsWith('-') ? bindVar.int(v) : bindVar.uint(v);
      case MysqlType.DECIMAL:
      case MysqlType.NEWDECIMAL:
        return bindVar.decimal(v);
      case MysqlType.FLOAT:
      case MysqlType.DOUBLE:
        return bindVar.float(v);
      default:
        return bindVar.string(v);
    }
  }

  /**
   * SAVEPOINT / RELEASE SAVEPOINT / ROLLBACK TO: outside a transaction MySQL accepts SAVEPOINT and RELEASE as
   * no-ops and fails ROLLBACK TO (1305); inside one that touched no shard yet they are kept and replayed on the
   * shard after BEGIN; otherwise they run on the transaction's tablet.
   */
  private async savepoint(
    session: GateSession,
    plan: GatePlan,
    sql: string,
    prepared: boolean,
    cs: CallSettings,
    routed: Routed,
  ): Promise<QueryResult | AsyncIterable<ResultEvent>> {
    const name = (plan.info as Extract<StatementInfo, { readonly name: string }>).name;
    const noSuch = (): VtError =>
      new VtError('NOT_FOUND', `SAVEPOINT ${name} does not exist`, { errno: 1305, sqlState: '42000' });
    if (!session.inTransaction && session.autocommit) {
      if (plan.info.kind === 'rollback_to_savepoint') throw noSuch();
      return queryResult();
    }
    const tx = session.transactionShard();
    if (tx !== undefined) {
      routed.keyspace = tx.target.keyspace;
      routed.shard = tx.target.shard;
      return this.gateway.execute(session, { target: tx.target, sql }, cs, false);
    }
    session.inTransaction = true;
    const p = session.pendingSavepoints;
    const idx = p.findIndex((s) => savepointName(s) === name.toLowerCase());
    if (plan.info.kind === 'savepoint') {
      if (idx >= 0) p.splice(idx, 1);
      p.push(prepared ? plan.sql : sql);
    } else {
      if (idx < 0) throw noSuch();
      p.length = plan.info.kind === 'rollback_to_savepoint' ? idx + 1 : idx;
    }
    return queryResult();
  }

  private show(
    session: GateSession,
    plan: GatePlan,
    info: ShowInfo,
    cs: CallSettings,
    routed: Routed,
  ): Promise<QueryResult | AsyncIterable<ResultEvent>> {
    return showStatement(info, {
      session,
      keyspaces: this.o.keyspaces,
      healthCheck: this.o.healthCheck,
      gateway: this.gateway,
      cs,
      routed,
      sql: plan.sql,
      passthrough: () => this.passthrough(session, plan, plan.sql, {}, false, cs, routed),
    });
  }
}

function isEmpty(o: object): boolean {
  for (const _ in o) return false;
  return true;
}

function isResult(r: QueryResult | AsyncIterable<ResultEvent>): r is QueryResult {
  return (r as QueryResult).fields !== undefined;
}

/** Lower-case savepoint name of a SAVEPOINT statement's text. */
function savepointName(sql: string): string {
  const m = /savepoint\s+(`(?:[^`]|``)+`|\S+)/i.exec(sql);
  const n = m?.[1] ?? '';
  return (n.startsWith('`') ? n.slice(1, -1).replace(/``/g, '`') : n).replace(/;$/, '').toLowerCase();
}

/** The OK of a statement that returns nothing (for `.then`, which would pass its value to queryResult). */
function emptyResult(): QueryResult {
  return queryResult();
}
