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
 * One mysqld connection (mysql2 callback API, text protocol, values kept as MySQL's text). It runs one statement at a time,
 * knows its mysqld thread id (for KILL) and notices when the server closes it (`isClosed`), so pools can
 * replace it. Every failure is a VtError: server errors keep errno/SQLSTATE, lost connections are UNAVAILABLE,
 * a killed (timed out / aborted) statement is 1317/70100.
 */
export class DbConn {
  private closed = false;
  private busy = false;
  /** Fails the active statement (exec or stream) when the connection is lost or closed under it. */
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
    return new Promise<QueryResult>((resolve, reject) => {
      const guard = this.begin(opts);
      if (guard.error) {
        reject(guard.error);
        return;
      }
      let settled = false;
      const settle = (err: unknown, res?: unknown, cols?: unknown): void => {
        if (settled) return;
        settled = true;
        this.abortActive = undefined;
        if (err && isConnectionError(err)) this.closed = true;
        const killed = guard.finish();
        // Wait for KILL QUERY to be done so it cannot hit the connection's next statement.
        if (killed) void guard.killDone().then(() => reject(killed));
        else if (err) reject(mysqlError(err));
        else resolve(toResult(res, cols));
      };
      this.abortActive = (err) => settle(err);
      this.conn.query({ sql, rowsAsArray: true, typeCast: castToText }, (err, res, cols) => settle(err, res, cols));
    });
  }

  /**
   * Streams one statement: a `fields` event, `rows` batches of about `batchBytes`, then `ok`; or just `ok` for a
   * row-less statement. mysql2 is paused while the consumer is behind, so memory stays bounded. Breaking out of
   * the loop kills the statement and drains it before the connection is reused.
   */
  async *stream(sql: string, opts: StreamOptions): AsyncGenerator<ResultEvent> {
    const guard = this.begin(opts);
    if (guard.error) throw guard.error;
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
    const q = this.conn.query({ sql, rowsAsArray: true, typeCast: castToText });
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
      const killed = guard.finish();
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
  }

  private lost(err: VtError): void {
    this.closed = true;
    this.abortActive?.(err);
  }

  /**
   * Starts a statement: enforces one-at-a-time use and arms the timeout/abort that kills it. `finish()` disarms
   * and returns the interruption error if the statement was killed.
   */
  private begin(opts: ExecOptions): StatementGuard {
    if (this.closed) return failedGuard(Err.unavailable('mysqld connection is closed'));
    if (this.busy) return failedGuard(Err.internal('mysqld connection is already running a statement'));
    this.busy = true;
    this.lastUsed = Date.now();
    const started = Date.now();
    let killedFor: string | undefined;
    let grace: NodeJS.Timeout | undefined;
    let killing: Promise<void> = Promise.resolve();
    const kill = (why: string): void => {
      if (killedFor !== undefined || !this.busy) return;
      killedFor = why;
      const killer = opts.killer;
      if (killer) killing = killer.killQuery(this.threadId).catch(() => this.close());
      else this.close();
      grace = setTimeout(() => this.close(), KILL_GRACE_MS);
    };
    const timer =
      opts.timeoutMs && opts.timeoutMs > 0
        ? setTimeout(() => kill('context deadline exceeded'), opts.timeoutMs)
        : undefined;
    const onAbort = (): void => kill('context canceled');
    if (opts.signal) {
      if (opts.signal.aborted) onAbort();
      else opts.signal.addEventListener('abort', onAbort, { once: true });
    }
    const finish = (): VtError | undefined => {
      this.busy = false;
      this.lastUsed = Date.now();
      if (timer) clearTimeout(timer);
      if (grace) clearTimeout(grace);
      opts.signal?.removeEventListener('abort', onAbort);
      if (killedFor === undefined) return undefined;
      return Err.interrupted(
        `Query execution was interrupted: ${killedFor}, elapsed time: ${Date.now() - started}ms, killed query ID ${this.threadId}`,
      );
    };
    return { finish, kill, killDone: () => killing };
  }
}

interface StatementGuard {
  readonly error?: VtError;
  finish(): VtError | undefined;
  kill(why: string): void;
  killDone(): Promise<void>;
}

function failedGuard(error: VtError): StatementGuard {
  return { error, finish: () => undefined, kill: () => undefined, killDone: () => Promise.resolve() };
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
