import { ClientConn, type ResultEnd, type ResultSink } from '../dbclient/index.js';
import { Err, type VtError } from '../errors/index.js';
import type { Field, OkEvent, QueryResult, ResultEvent, Row, SqlValue } from '../sqltypes/index.js';
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
  /** CLIENT_FOUND_ROWS: UPDATE reports rows matched instead of rows changed (for gate clients that asked). */
  readonly foundRows?: boolean;
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

/** Queued `rows` batches at which a stream stops reading mysqld, and below which it reads again. */
const PAUSE_AT = 4;
const RESUME_BELOW = 2;

/**
 * One mysqld connection (vt's own client, text protocol, values kept as MySQL's text: see dbclient). It runs one
 * statement at a time, knows its mysqld thread id (for KILL) and notices when the server closes it (`isClosed`),
 * so pools can replace it. Every failure is a VtError: server errors keep errno/SQLSTATE, lost connections are
 * UNAVAILABLE, a killed (timed out / aborted) statement is 1317/70100.
 */
export class DbConn {
  /** When the connection was last handed out or used; pools use it for idle timeouts. */
  lastUsed = Date.now();

  private constructor(private readonly client: ClientConn) {}

  /** Opens a connection (utf8mb4); UNAVAILABLE when mysqld cannot be reached, the server's error if it refuses. */
  static async connect(params: ConnParams): Promise<DbConn> {
    return new DbConn(await ClientConn.connect(params));
  }

  /** mysqld's id for this connection (what KILL takes). */
  get threadId(): number {
    return this.client.threadId;
  }

  get isClosed(): boolean {
    return this.client.isClosed;
  }

  /** Bytes received from mysqld so far; shows that a stream whose consumer is behind stops reading. */
  get bytesReceived(): number {
    return this.client.bytesReceived;
  }

  /**
   * Runs one statement and returns its whole result. A statement with several results (CALL) returns its one
   * result set, or its last OK when it has none; more than one result set fails with 1235 (as Vitess's tablet
   * refuses multi-result procedures) after all of them were read.
   */
  exec(sql: string, opts: ExecOptions = {}): Promise<QueryResult> {
    const refused = this.refusal();
    if (refused) return Promise.reject(refused);
    // Per-statement state lives in one object with prototype methods: no closures per row or per result
    // (this is the tablet's hottest path).
    return new Promise<QueryResult>((resolve, reject) => {
      this.client.query(sql, new ExecCall(this, this.begin(opts), resolve, reject));
    });
  }

  /**
   * Streams one statement: a `fields` event, `rows` batches of about `batchBytes`, then `ok`; or just `ok` for a
   * row-less statement (repeated per result of a CALL). The socket is not read while the consumer is behind, so
   * memory stays bounded. Breaking out of the loop kills the statement and drains it before the connection is
   * reused.
   */
  async *stream(sql: string, opts: StreamOptions): AsyncGenerator<ResultEvent> {
    const refused = this.refusal();
    if (refused) throw refused;
    const call = new StreamCall(this, this.client, this.begin(opts), opts.batchBytes);
    this.client.query(sql, call);
    let completed = false;
    try {
      for (;;) {
        const ev = call.take();
        if (ev) {
          yield ev;
          continue;
        }
        if (call.finished) {
          await call.guard.killDone();
          if (call.failure) throw call.failure;
          completed = true;
          return;
        }
        await call.wait();
      }
    } finally {
      if (!completed && !call.finished) {
        // The consumer stopped early: kill the statement and wait until its results are drained.
        call.abandon();
        while (!call.finished) await call.wait();
        await call.guard.killDone();
      }
    }
  }

  /** Closes the connection without waiting for mysqld; a running statement fails UNAVAILABLE. */
  close(): void {
    this.client.close();
  }

  /** Why a statement cannot start now (closed, or one is already running), else undefined. */
  private refusal(): VtError | undefined {
    if (this.client.isClosed) return Err.unavailable('mysqld connection is closed');
    if (this.client.isBusy) return Err.internal('mysqld connection is already running a statement');
    return undefined;
  }

  /** Starts a statement (the caller checked `refusal()`): arms the timeout/abort that kills it. */
  private begin(opts: ExecOptions): StatementGuard {
    this.lastUsed = Date.now();
    const guard = new StatementGuard(this, opts, this.lastUsed);
    guard.arm();
    return guard;
  }
}

const EMPTY_FIELDS: readonly Field[] = [];
const EMPTY_ROWS: readonly Row[] = [];

/** exec()'s ResultSink: collects the result, settles the promise once the statement (and any KILL) is done. */
class ExecCall implements ResultSink {
  private resultFields: readonly Field[] = EMPTY_FIELDS;
  private rows: Row[] = [];
  private resultSets = 0;
  private inResultSet = false;
  private setWarnings = 0;
  private last: ResultEnd | undefined = undefined;

  constructor(
    private readonly conn: DbConn,
    private readonly guard: StatementGuard,
    private readonly resolve: (r: QueryResult) => void,
    private readonly reject: (e: VtError) => void,
  ) {}

  fields(fields: readonly Field[]): void {
    if (++this.resultSets === 1) this.resultFields = fields;
    this.inResultSet = true;
  }

  row(values: SqlValue[]): void {
    if (this.resultSets === 1) this.rows.push(values);
  }

  end(result: ResultEnd): void {
    if (this.inResultSet && this.resultSets === 1) this.setWarnings = result.warnings;
    this.inResultSet = false;
    this.last = result;
  }

  done(err: VtError | undefined): void {
    const now = Date.now();
    this.conn.lastUsed = now;
    const killed = this.guard.finish(now);
    // Wait for KILL QUERY to be done so it cannot hit the connection's next statement.
    if (killed) void this.guard.killDone().then(() => this.reject(killed));
    else if (err) this.reject(err);
    else if (this.resultSets > 1) this.reject(Err.notSupported('more than one result set from one statement'));
    else this.resolve(this.result());
  }

  private result(): QueryResult {
    if (this.resultSets === 1) {
      return { fields: this.resultFields, rows: this.rows, affectedRows: 0, insertId: 0, warnings: this.setWarnings };
    }
    const r = this.last!;
    return {
      fields: EMPTY_FIELDS,
      rows: EMPTY_ROWS,
      affectedRows: r.affectedRows,
      insertId: r.insertId,
      warnings: r.warnings,
      ...(r.info ? { info: r.info } : {}),
    };
  }
}

const BARE_OK: OkEvent = { kind: 'ok' };

/**
 * stream()'s ResultSink and event queue. Rows are batched by value size; at PAUSE_AT queued batches the socket
 * is paused until the consumer has taken all but RESUME_BELOW of them.
 */
class StreamCall implements ResultSink {
  finished = false;
  failure: VtError | undefined = undefined;
  private readonly queue: ResultEvent[] = [];
  private batch: Row[] = [];
  private batchBytes = 0;
  private paused = false;
  private inResultSet = false;
  /** The consumer stopped early: everything is dropped while the killed statement drains. */
  private abandoned = false;
  private wake: (() => void) | undefined = undefined;

  constructor(
    private readonly conn: DbConn,
    private readonly client: ClientConn,
    readonly guard: StatementGuard,
    private readonly maxBatchBytes: number,
  ) {}

  fields(fields: readonly Field[]): void {
    this.inResultSet = true;
    if (this.abandoned) return;
    this.queue.push({ kind: 'fields', fields });
    this.notify();
  }

  row(values: SqlValue[]): void {
    if (this.abandoned) return;
    this.batch.push(values);
    let bytes = this.batchBytes;
    for (let i = 0; i < values.length; i++) {
      const v = values[i];
      bytes += v === null ? 1 : v!.length;
    }
    this.batchBytes = bytes;
    if (bytes >= this.maxBatchBytes) {
      this.flush();
      if (this.queue.length >= PAUSE_AT && !this.paused) {
        this.paused = true;
        this.client.pause();
      }
      this.notify();
    }
  }

  end(r: ResultEnd): void {
    const resultSet = this.inResultSet;
    this.inResultSet = false;
    if (this.abandoned) return;
    this.flush();
    this.queue.push(okEvent(r, resultSet));
    this.notify();
  }

  done(err: VtError | undefined): void {
    const now = Date.now();
    this.conn.lastUsed = now;
    const killed = this.guard.finish(now);
    this.failure = killed ?? err;
    this.flush();
    this.finished = true;
    if (this.paused) this.resume();
    this.notify();
  }

  /** The next queued event, reading the socket again once the queue is short. */
  take(): ResultEvent | undefined {
    const ev = this.queue.shift();
    if (ev !== undefined && this.paused && this.queue.length < RESUME_BELOW) this.resume();
    return ev;
  }

  wait(): Promise<void> {
    return new Promise<void>((r) => (this.wake = r));
  }

  abandon(): void {
    this.abandoned = true;
    this.queue.length = 0;
    this.batch = [];
    this.guard.kill('stream canceled');
    if (this.paused) this.resume();
  }

  private resume(): void {
    this.paused = false;
    this.client.resume();
  }

  private flush(): void {
    if (this.batch.length === 0) return;
    this.queue.push({ kind: 'rows', rows: this.batch });
    this.batch = [];
    this.batchBytes = 0;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }
}

/** The `ok` event ending one result: a result set's carries only its warnings, a row-less statement's its counters. */
function okEvent(r: ResultEnd, resultSet: boolean): OkEvent {
  if (resultSet) return r.warnings === 0 ? BARE_OK : { kind: 'ok', warnings: r.warnings };
  return {
    kind: 'ok',
    affectedRows: r.affectedRows,
    insertId: r.insertId,
    warnings: r.warnings,
    ...(r.info ? { info: r.info } : {}),
  };
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
    if (!killer) {
      conn.close(); // ends the statement right away
      return;
    }
    this.killing = killer.killQuery(conn.threadId).catch(() => conn.close());
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
