import mysql from 'mysql2';
import { Err, VtError } from '../errors/index.js';
import {
  queryResult,
  type Field,
  type QueryResult,
  type ResultEvent,
  type Row,
  type SqlValue,
} from '../sqltypes/index.js';
import { isConnectionError, mysqlError } from './mysql-error.js';
import { castToText, toField, type Mysql2Column } from './cast-to-text.js';
import type { DeadlineSweeper, Expirable } from '../rpc/index.js';

/** Where and as whom to connect to mysqld. */
export interface ConnParams {
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  readonly user: string;
  readonly password?: string;
  /** Default database (the tablet's `vt_<keyspace>`); omitted for dba connections made before it exists. */
  readonly database?: string;
  readonly connectTimeoutMs?: number;
}

/** Runs `KILL QUERY` for a connection id on a different connection; consumed here, implemented by QueryKiller. */
export interface Killer {
  killQuery(threadId: number): Promise<void>;
}

export interface ExecOptions {
  /** Abort after this long: the query is killed and the call fails with 1317/70100. 0/undefined = no limit. */
  readonly timeoutMs?: number;
  /** Aborting also kills the query. */
  readonly signal?: AbortSignal;
  readonly killer?: Killer;
  /** Enforce `timeoutMs` with this shared sweeper instead of a timer per statement. */
  readonly deadlines?: DeadlineSweeper;
}

export interface StreamOptions extends ExecOptions {
  /** Approximate bytes of values per `rows` batch. */
  readonly batchBytes: number;
}

/** After KILL QUERY, how long the statement may take to return before the connection is closed instead. */
const KILL_GRACE_MS = 2000;

interface OkHeader {
  affectedRows?: number;
  insertId?: number | string;
  warningStatus?: number;
  info?: string;
}

/**
 * One mysqld connection (mysql2 callback API, text protocol, rows as arrays, values kept as MySQL's text). It runs one statement at a time,
 * knows its mysqld thread id (for KILL) and notices when the server closes it (`isClosed`), so pools can
 * replace it. Every failure is a VtError: server errors keep errno/SQLSTATE, lost connections are UNAVAILABLE,
 * a killed (timed out / aborted) statement is 1317/70100.
 */
export class DbConn {
  private closed = false;
  /** The running statement's guard; set while busy. */
  private guard: StatementGuard | undefined;
  /** The running exec, failed when the connection is lost or closed under it. */
  private execCall: ExecCall | undefined;
  /** Fails the running stream when the connection is lost or closed under it. */
  private abortActive: ((err: VtError) => void) | undefined;
  /** When the connection was last handed out or used; pools use it for idle timeouts. */
  lastUsed = Date.now();

  private constructor(
    private readonly conn: mysql.Connection,
    readonly threadId: number,
  ) {
    // mysql2 reports a lost connection to the connection, not to a streaming query (which would then never end):
    // fail whatever statement is active.
    conn.on('error', (err: unknown) => this.lost(mysqlError(err)));
    conn.on('end', () => this.lost(Err.unavailable('mysqld closed the connection')));
  }

  /** Opens a connection (utf8mb4, big numbers as text); UNAVAILABLE when mysqld cannot be reached. */
  static connect(params: ConnParams): Promise<DbConn> {
    return new Promise((resolve, reject) => {
      const conn = mysql.createConnection({
        ...(params.socketPath
          ? { socketPath: params.socketPath }
          : { host: params.host ?? '127.0.0.1', port: params.port ?? 3306 }),
        user: params.user,
        password: params.password ?? '',
        ...(params.database ? { database: params.database } : {}),
        charset: 'utf8mb4',
        supportBigNumbers: true,
        bigNumberStrings: true,
        dateStrings: true,
        multipleStatements: false,
        connectTimeout: params.connectTimeoutMs ?? 5000,
        // Per connection, not per query: mysql2 merges per-query options into a copy of its config on every query
        // (object spreads that cost ~2 µs), while the plain `query(sql, cb)` form takes these from the config.
        rowsAsArray: true,
        typeCast: castToText,
      });
      let settled = false;
      conn.once('error', (err) => {
        if (settled) return;
        settled = true;
        conn.destroy();
        reject(mysqlError(err));
      });
      conn.connect((err) => {
        if (settled) return;
        settled = true;
        if (err) {
          conn.destroy();
          reject(mysqlError(err));
          return;
        }
        resolve(new DbConn(conn, conn.threadId ?? 0));
      });
    });
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs one statement and returns its whole result. */
  exec(sql: string, opts: ExecOptions = {}): Promise<QueryResult> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    // Per-statement state lives in one object with prototype methods: no closures per query beyond mysql2's
    // callback (this is the tablet's hottest path).
    return new Promise<QueryResult>((resolve, reject) => {
      const call = new ExecCall(this.begin(opts), resolve, reject);
      this.execCall = call;
      this.conn.query(sql, (err: unknown, res: unknown, cols: unknown) => this.settleExec(call, err, res, cols));
    });
  }

  /** Ends an exec exactly once: with mysql2's outcome, or with the error that aborted it (connection lost). */
  private settleExec(call: ExecCall, err: unknown, res?: unknown, cols?: unknown): void {
    if (call.settled) return;
    call.settled = true;
    if (this.execCall === call) this.execCall = undefined;
    if (err && isConnectionError(err)) this.closed = true;
    const killed = this.end(call.guard);
    // Wait for KILL QUERY to be done so it cannot hit the connection's next statement.
    if (killed) void call.guard.killDone().then(() => call.reject(killed));
    else if (err) call.reject(err instanceof VtError ? err : mysqlError(err));
    else call.resolve(toResult(res, cols));
  }

  /**
   * Streams one statement: a `fields` event, `rows` batches of about `batchBytes`, then `ok`; or just `ok` for a
   * row-less statement. mysql2 is paused while the consumer is behind, so memory stays bounded. Breaking out of
   * the loop kills the statement and drains it before the connection is reused.
   */
  async *stream(sql: string, opts: StreamOptions): AsyncGenerator<ResultEvent> {
    const refused = this.refusal();
    if (refused) throw refused;
    const guard = this.begin(opts);
    const queue: ResultEvent[] = [];
    let failure: VtError | undefined;
    let done = false;
    let wake: (() => void) | undefined;
    let fields: readonly Field[] | undefined;
    let batch: Row[] = [];
    let batchBytes = 0;
    let paused = false;
    /** The consumer stopped early: rows are dropped while the killed statement drains. */
    let abandoned = false;
    const notify = (): void => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const flush = (): void => {
      if (batch.length > 0) queue.push({ kind: 'rows', rows: batch });
      batch = [];
      batchBytes = 0;
    };
    const q = this.conn.query(sql);
    q.on('fields', (cols: Mysql2Column[]) => {
      fields = cols.map(toField);
      queue.push({ kind: 'fields', fields });
      notify();
    });
    q.on('result', (r: SqlValue[] | OkHeader) => {
      if (Array.isArray(r)) {
        if (!fields || abandoned) return;
        batch.push(r);
        for (const v of r) batchBytes += v === null ? 1 : v.length;
        if (batchBytes >= opts.batchBytes) {
          flush();
          if (queue.length >= 4 && !paused) {
            paused = true;
            this.conn.pause();
          }
          notify();
        }
      } else {
        queue.push(okEvent(r));
      }
    });
    q.on('error', (err: unknown) => {
      if (isConnectionError(err)) this.closed = true;
      failure = mysqlError(err);
    });
    const end = (): void => {
      if (done) return;
      this.abortActive = undefined;
      const killed = this.end(guard);
      if (killed) failure = killed;
      flush();
      if (fields && !queue.some((e) => e.kind === 'ok') && !failure) queue.push({ kind: 'ok' });
      done = true;
      notify();
    };
    q.on('end', end);
    this.abortActive = (err) => {
      failure ??= err;
      end();
    };
    let completed = false;
    try {
      for (;;) {
        const ev = queue.shift();
        if (ev) {
          if (paused && queue.length < 2) {
            paused = false;
            this.conn.resume();
          }
          yield ev;
          continue;
        }
        if (done) {
          await guard.killDone();
          if (failure) throw failure;
          completed = true;
          return;
        }
        await new Promise<void>((r) => (wake = r));
      }
    } finally {
      if (!completed && !done) {
        // The consumer stopped early: kill the statement and wait for mysql2 to finish reading it.
        abandoned = true;
        queue.length = 0;
        guard.kill('stream canceled');
        if (paused) this.conn.resume();
        while (!done) await new Promise<void>((r) => (wake = r));
        await guard.killDone();
      }
    }
  }

  /** Closes the connection without waiting for mysqld. */
  close(): void {
    this.closed = true;
    this.conn.destroy();
    this.abortActive?.(Err.unavailable('mysqld connection closed'));
    if (this.execCall) this.settleExec(this.execCall, Err.unavailable('mysqld connection closed'));
  }

  private lost(err: VtError): void {
    this.closed = true;
    this.abortActive?.(err);
    if (this.execCall) this.settleExec(this.execCall, err);
  }

  /** Why a statement cannot start now (closed, or one is already running), else undefined. */
  private refusal(): VtError | undefined {
    if (this.closed) return Err.unavailable('mysqld connection is closed');
    if (this.guard) return Err.internal('mysqld connection is already running a statement');
    return undefined;
  }

  /** Starts a statement (the caller checked `refusal()`): arms the timeout/abort that kills it. */
  private begin(opts: ExecOptions): StatementGuard {
    this.lastUsed = Date.now();
    const guard = new StatementGuard(this, opts, this.lastUsed);
    this.guard = guard;
    guard.arm();
    return guard;
  }

  /** Ends the running statement: disarms it; returns the interruption error if it was killed. */
  private end(guard: StatementGuard): VtError | undefined {
    if (this.guard === guard) this.guard = undefined;
    this.lastUsed = Date.now();
    return guard.finish(this.lastUsed);
  }
}

const RESOLVED = Promise.resolve();

/**
 * Interruption of one running statement: its timeout, its caller's abort signal (this object is the listener, via
 * handleEvent) and the KILL QUERY they trigger. `finish()` disarms and returns the 1317 error if it was killed.
 */
class StatementGuard implements Expirable {
  /** Set when the timeout is enforced by `opts.deadlines` (Expirable, with the sweeper's links). */
  deadline = 0;
  prev: Expirable | undefined = undefined;
  next: Expirable | undefined = undefined;
  private killedFor: string | undefined = undefined;
  private running = true;
  private timer: NodeJS.Timeout | undefined = undefined;
  private grace: NodeJS.Timeout | undefined = undefined;
  private killing: Promise<void> = RESOLVED;

  constructor(
    private readonly conn: DbConn,
    private readonly opts: ExecOptions,
    private readonly started: number,
  ) {}

  arm(): void {
    const { timeoutMs, signal, deadlines } = this.opts;
    if (timeoutMs && timeoutMs > 0) {
      if (deadlines) {
        this.deadline = this.started + timeoutMs;
        deadlines.add(this);
      } else {
        this.timer = setTimeout(() => this.kill('context deadline exceeded'), timeoutMs);
      }
    }
    if (signal) {
      if (signal.aborted) this.kill('context canceled');
      else signal.addEventListener('abort', this, { once: true });
    }
  }

  /** The deadline sweeper's callback. */
  expire(): void {
    this.kill('context deadline exceeded');
  }

  /** The abort signal's listener. */
  handleEvent(): void {
    this.kill('context canceled');
  }

  kill(why: string): void {
    if (this.killedFor !== undefined || !this.running) return;
    this.killedFor = why;
    const conn = this.conn;
    const killer = this.opts.killer;
    if (killer) this.killing = killer.killQuery(conn.threadId).catch(() => conn.close());
    else conn.close();
    this.grace = setTimeout(() => conn.close(), KILL_GRACE_MS);
  }

  killDone(): Promise<void> {
    return this.killing;
  }

  finish(now: number): VtError | undefined {
    this.running = false;
    if (this.timer) clearTimeout(this.timer);
    if (this.deadline !== 0) this.opts.deadlines?.remove(this);
    if (this.grace) clearTimeout(this.grace);
    this.opts.signal?.removeEventListener('abort', this);
    if (this.killedFor === undefined) return undefined;
    return Err.interrupted(
      `Query execution was interrupted: ${this.killedFor}, elapsed time: ${now - this.started}ms, killed query ID ${this.conn.threadId}`,
    );
  }
}

class ExecCall {
  settled = false;
  constructor(
    readonly guard: StatementGuard,
    readonly resolve: (r: QueryResult) => void,
    readonly reject: (e: VtError) => void,
  ) {}
}

function okEvent(h: OkHeader): ResultEvent {
  return {
    kind: 'ok',
    affectedRows: h.affectedRows ?? 0,
    insertId: toInsertId(h.insertId),
    warnings: h.warningStatus ?? 0,
    ...(h.info ? { info: h.info } : {}),
  };
}

function toInsertId(v: number | string | undefined): number | bigint {
  if (v === undefined) return 0;
  return typeof v === 'string' ? BigInt(v) : v;
}

function toResult(res: unknown, cols: unknown): QueryResult {
  if (Array.isArray(res) && Array.isArray(cols)) {
    return queryResult({ fields: (cols as Mysql2Column[]).map(toField), rows: res as Row[] });
  }
  const h = (res ?? {}) as OkHeader;
  return queryResult({
    affectedRows: h.affectedRows ?? 0,
    insertId: toInsertId(h.insertId),
    warnings: h.warningStatus ?? 0,
    ...(h.info ? { info: h.info } : {}),
  });
}
