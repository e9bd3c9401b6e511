import type {
  BoundParam,
  ExecuteOptions,
  Handler,
  HandlerResult,
  PrepareResult,
  PreparedStatement,
  QueryOptions,
  ServerConnection,
} from '../protocol/handler.js';
import { bindVar, type BindVar, type BindVars, type ScalarBindVar } from '../sql/bind-vars.js';
import type { NormalizeResult } from '../sql/normalize.js';
import { splitStatements } from '../sql/split-statements.js';
import { Cap } from '../protocol/constants.js';
import { MysqlType } from '../sqltypes/mysql-type.js';
import type { Field } from '../sqltypes/field.js';
import { collectResults, resultEvents, type QueryResult, type ResultEvent } from '../sqltypes/result.js';
import type { ExecuteContext, Executor } from './executor.js';
import { GateSession } from './gate-session.js';
import type { GateStats } from './gate-stats.js';

/**
 * The protocol Handler of the gate: one GateSession per client connection (in conn.session), statements run by
 * the Executor. Keeps the connection's IN_TRANS/AUTOCOMMIT status bits in step with the session before each OK
 * is written. Prepared statements are prepared in the gate (paramCount from the lexer, SELECT columns from a
 * `limit 0` probe on the tablet); each execution runs the statement with the parameters as bind variables `:v1..:vN`.
 */
export class GateHandler implements Handler {
  /** COM_STMT_PREPARE and COM_FIELD_LIST carry no abort signal from the protocol; this one never fires. */
  private readonly noSignal = new AbortController().signal;

  constructor(
    private readonly executor: Executor,
    private readonly stats: GateStats,
  ) {}

  newConnection(conn: ServerConnection): void {
    conn.session = new GateSession();
    this.stats.connectionsOpen++;
    this.stats.connectionsTotal++;
  }

  async connectionClosed(conn: ServerConnection): Promise<void> {
    this.stats.connectionsOpen--;
    await this.executor.closeSession(session(conn));
  }

  async initDb(conn: ServerConnection, db: string): Promise<void> {
    await this.executor.useTarget(session(conn), db);
  }

  async resetConnection(conn: ServerConnection): Promise<void> {
    const s = session(conn);
    await this.executor.closeSession(s);
    s.reset();
    sync(conn, s);
  }

  query(conn: ServerConnection, sql: string, opts: QueryOptions): HandlerResult {
    if (opts.multiStatements && sql.indexOf(';') >= 0) return this.runMulti(conn, sql, opts);
    return this.runOne(conn, sql, opts);
  }

  prepare(conn: ServerConnection, sql: string): Promise<PrepareResult> {
    return this.executor.prepare(session(conn), { connectionId: conn.id, signal: this.noSignal }, sql);
  }

  execute(
    conn: ServerConnection,
    stmt: PreparedStatement,
    params: readonly BoundParam[],
    opts: ExecuteOptions,
  ): HandlerResult {
    const bv: Record<string, BindVar> = {};
    for (let i = 0; i < params.length; i++) bv[paramName(i)] = paramBindVar(params[i]!);
    return this.runOne(conn, stmt.sql, opts, bv, stmt.data as NormalizeResult | undefined);
  }

  /** COM_FIELD_LIST (the mysql CLI's table-name completion): the columns of `select * from t limit 0`. */
  async fieldList(conn: ServerConnection, table: string): Promise<readonly Field[]> {
    const sql = `select * from \`${table.replace(/`/g, '``')}\` limit 0`;
    const [r] = await collectResults(await this.runOne(conn, sql, { signal: this.noSignal }));
    return r?.fields ?? [];
  }

  private async *runMulti(conn: ServerConnection, sql: string, opts: ExecuteOptions): AsyncGenerator<ResultEvent> {
    for (const stmt of splitStatements(sql)) yield* await this.runOne(conn, stmt, opts);
  }

  /**
   * One statement. A materialized result resolves to a plain iterable of its events (no async generator and no
   * promise per event on the way to the wire); a streamed one to an async iterable. `opts` is passed on
   * unread: the protocol creates the AbortSignal only when someone reads it.
   */
  private async runOne(
    conn: ServerConnection,
    sql: string,
    opts: ExecuteOptions,
    params?: BindVars,
    normalized?: NormalizeResult,
  ): Promise<Iterable<ResultEvent> | AsyncIterable<ResultEvent>> {
    const s = session(conn);
    let r: QueryResult | AsyncIterable<ResultEvent>;
    try {
      r = await this.executor.executeOne(
        s,
        new CallContext(conn.id, (conn.capabilities & Cap.FOUND_ROWS) !== 0, opts),
        sql,
        params,
        normalized,
      );
    } finally {
      sync(conn, s);
    }
    if ('fields' in r) return resultEvents(r);
    return this.streamed(conn, s, r);
  }

  private async *streamed(
    conn: ServerConnection,
    s: GateSession,
    events: AsyncIterable<ResultEvent>,
  ): AsyncGenerator<ResultEvent> {
    try {
      for await (const ev of events) {
        if (ev.kind === 'ok') sync(conn, s);
        yield ev;
      }
    } finally {
      sync(conn, s);
    }
  }
}

/** The Executor's per-call context; `signal` is read through to the protocol's options only when used. */
class CallContext implements ExecuteContext {
  constructor(
    readonly connectionId: number,
    readonly foundRows: boolean,
    private readonly opts: ExecuteOptions,
  ) {}

  get signal(): AbortSignal {
    return this.opts.signal;
  }
}

function session(conn: ServerConnection): GateSession {
  if (!(conn.session instanceof GateSession)) conn.session = new GateSession();
  return conn.session as GateSession;
}

function sync(conn: ServerConnection, s: GateSession): void {
  conn.inTransaction = s.inTransaction;
  conn.autocommit = s.autocommit;
}

/** `v1`, `v2`...: the bind variable names of COM_STMT_EXECUTE parameters (the first ones built once). */
const PARAM_NAMES: readonly string[] = Array.from({ length: 64 }, (_, i) => `v${i + 1}`);

function paramName(i: number): string {
  return PARAM_NAMES[i] ?? `v${i + 1}`;
}

const INTEGER_TYPES: ReadonlySet<number> = new Set([
  MysqlType.TINY,
  MysqlType.SHORT,
  MysqlType.LONG,
  MysqlType.INT24,
  MysqlType.LONGLONG,
  MysqlType.YEAR,
]);

/** A COM_STMT_EXECUTE parameter as a typed bind variable (dates and times travel as their text). */
export function paramBindVar(p: BoundParam): ScalarBindVar {
  const v = p.value;
  if (v === null) return bindVar.null();
  if (Buffer.isBuffer(v)) return bindVar.bytes(v);
  if (INTEGER_TYPES.has(p.type)) return p.unsigned || !v.startsWith('-') ? bindVar.uint(v) : bindVar.int(v);
  switch (p.type) {
    case MysqlType.FLOAT:
    case MysqlType.DOUBLE:
      return bindVar.float(v);
    case MysqlType.DECIMAL:
    case MysqlType.NEWDECIMAL:
      return bindVar.decimal(v);
    default:
      return bindVar.string(v);
  }
}
