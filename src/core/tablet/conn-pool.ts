import { Err, VtError } from '../errors/index.js';

/** What the pool needs of a connection (DbConn in production). */
export interface PoolableConn {
  /** The server closed it or it was killed/destroyed: never hand it out again. */
  readonly isClosed: boolean;
  /** Last hand-out/use time (ms since epoch), for the idle timeout. */
  lastUsed: number;
  close(): void;
}

export interface ConnPoolOptions<C extends PoolableConn> {
  /** Name in stats and logs: 'query', 'stream', 'transaction'. */
  readonly name: string;
  readonly capacity: number;
  /** Default wait for a connection; 0 = wait until the caller's signal aborts. */
  readonly timeoutMs: number;
  /** Message of the RESOURCE_EXHAUSTED error when the wait times out (Vitess's texts differ per pool). */
  readonly timeoutMessage: string;
  /** Idle connections unused this long are closed; 0 keeps them. */
  readonly idleTimeoutMs: number;
  /** Opens one mysqld connection; fails with VtError (UNAVAILABLE when mysqld is down). */
  readonly connect: () => Promise<C>;
}

export interface GetOptions {
  readonly signal?: AbortSignal;
  /** Overrides the pool's wait timeout for this call (0 = no timeout). */
  readonly timeoutMs?: number;
}

export interface ConnPoolStats {
  readonly capacity: number;
  /** Connections handed out. */
  readonly inUse: number;
  /** Idle connections plus slots that may still be opened. */
  readonly available: number;
  /** Connections currently open (idle + in use + being opened). */
  readonly open: number;
  readonly waiting: number;
  /** Gets that had to wait, and their total wait, since the pool was created. */
  readonly waitCount: number;
  readonly waitTimeMs: number;
  readonly timeouts: number;
  readonly idleClosed: number;
}

interface Waiter<C> {
  /** A connection, or null meaning "a slot is yours: open a connection". */
  grant(conn: C | null): void;
  fail(err: VtError): void;
}

/**
 * A fixed-capacity pool of mysqld connections, opened lazily. `get` hands out an idle connection, opens one if
 * under capacity, or waits FIFO; a wait longer than the timeout fails with RESOURCE_EXHAUSTED 1203/42000.
 * Connections mysqld closed (or that were killed) are noticed on `get`/`put` and replaced by fresh ones, so the
 * pool heals after a mysqld restart. Every `get` must be paired with exactly one `put` or `discard`.
 */
export class ConnPool<C extends PoolableConn> {
  private readonly idle: C[] = [];
  /** Handed-out connections, unordered: an array, as a Set's add/delete churn costs more per statement. */
  private readonly lent: C[] = [];
  private readonly waiters: Waiter<C>[] = [];
  private opened = 0;
  private inUse = 0;
  private closed = true;
  private waitCount = 0;
  private waitTimeMs = 0;
  private timeouts = 0;
  private idleClosed = 0;
  private sweeper: NodeJS.Timeout | undefined;

  constructor(private readonly o: ConnPoolOptions<C>) {}

  get capacity(): number {
    return this.o.capacity;
  }

  open(): void {
    if (!this.closed) return;
    this.closed = false;
    if (this.o.idleTimeoutMs > 0) {
      this.sweeper = setInterval(() => this.closeIdle(), Math.max(100, this.o.idleTimeoutMs / 2));
      this.sweeper.unref();
    }
  }

  /**
   * An idle connection right now, without a promise (the common case on a warm pool); undefined when there is
   * none, the pool is closed or `signal` has aborted: then `get` does the waiting and reports those errors.
   */
  getIdle(signal?: AbortSignal): C | undefined {
    if (this.closed || signal?.aborted) return undefined;
    return this.lendIdle();
  }

  /** Lends the most recently used idle connection that is still open (closed ones are dropped), if any. */
  private lendIdle(): C | undefined {
    for (let c = this.idle.pop(); c; c = this.idle.pop()) {
      if (c.isClosed) {
        this.opened--;
        continue;
      }
      this.lend(c);
      return c;
    }
    return undefined;
  }

  async get(opts: GetOptions = {}): Promise<C> {
    if (this.closed) throw Err.unavailable(`${this.o.name} pool is closed`);
    opts.signal?.throwIfAborted();
    const idle = this.lendIdle();
    if (idle !== undefined) return idle;
    if (this.opened < this.o.capacity) {
      this.opened++;
      return this.openConn();
    }
    const granted = await this.wait(opts);
    if (granted) {
      this.lend(granted);
      return granted;
    }
    return this.openConn();
  }

  /**
   * Returns a connection; a closed one (killed, server gone) is dropped and its slot freed. `now` (ms since epoch)
   * is its last-use time, for a caller that has just read the clock.
   */
  put(conn: C, now = Date.now()): void {
    const lent = this.lent;
    const i = lent.lastIndexOf(conn);
    if (i < 0) throw new VtError('INTERNAL', `${this.o.name} pool: put of a connection it did not lend`);
    const last = lent.pop()!;
    if (i < lent.length) lent[i] = last;
    this.inUse--;
    if (this.closed || conn.isClosed) {
      conn.close();
      this.releaseSlot();
      return;
    }
    conn.lastUsed = now;
    const w = this.waiters.shift();
    if (w) w.grant(conn);
    else this.idle.push(conn);
  }

  /** Closes a handed-out connection instead of returning it (e.g. a reserved connection with session state). */
  discard(conn: C): void {
    conn.close();
    this.put(conn);
  }

  /** Stops handing out connections, fails waiters, closes idle ones; in-use ones are closed when put back. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.sweeper) clearInterval(this.sweeper);
    this.sweeper = undefined;
    for (const c of this.idle.splice(0)) {
      c.close();
      this.opened--;
    }
    for (const w of this.waiters.splice(0)) w.fail(Err.unavailable(`${this.o.name} pool is closed`));
  }

  /** Connections currently handed out (e.g. to kill their statements at shutdown). */
  lentConnections(): C[] {
    return this.lent.slice();
  }

  stats(): ConnPoolStats {
    return {
      capacity: this.o.capacity,
      inUse: this.inUse,
      available: this.o.capacity - this.inUse,
      open: this.opened,
      waiting: this.waiters.length,
      waitCount: this.waitCount,
      waitTimeMs: this.waitTimeMs,
      timeouts: this.timeouts,
      idleClosed: this.idleClosed,
    };
  }

  private lend(c: C): void {
    this.inUse++;
    this.lent.push(c);
  }

  /** The slot is already counted in `opened`; on failure it is released (and passed to a waiter). */
  private async openConn(): Promise<C> {
    if (this.closed) {
      this.releaseSlot();
      throw Err.unavailable(`${this.o.name} pool is closed`);
    }
    try {
      const c = await this.o.connect();
      this.lend(c);
      return c;
    } catch (err) {
      this.releaseSlot();
      throw err instanceof VtError ? err : VtError.from(err, 'UNAVAILABLE');
    }
  }

  private releaseSlot(): void {
    const w = this.closed ? undefined : this.waiters.shift();
    if (w) w.grant(null);
    else this.opened--;
  }

  private wait(opts: GetOptions): Promise<C | null> {
    const timeoutMs = opts.timeoutMs ?? this.o.timeoutMs;
    const started = Date.now();
    this.waitCount++;
    return new Promise<C | null>((resolve, reject) => {
      const done = (): void => {
        if (timer) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        const i = this.waiters.indexOf(waiter);
        if (i >= 0) this.waiters.splice(i, 1);
        this.waitTimeMs += Date.now() - started;
      };
      const waiter: Waiter<C> = {
        grant: (conn) => {
          done();
          resolve(conn);
        },
        fail: (err) => {
          done();
          reject(err);
        },
      };
      const onAbort = (): void => {
        done();
        reject(
          opts.signal?.reason instanceof VtError
            ? opts.signal.reason
            : Err.interrupted('Query execution was interrupted: context canceled while waiting for a connection'),
        );
      };
      const timer =
        timeoutMs > 0
          ? setTimeout(() => {
              done();
              this.timeouts++;
              reject(Err.resourceExhausted(this.o.timeoutMessage));
            }, timeoutMs)
          : undefined;
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      this.waiters.push(waiter);
    });
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.o.idleTimeoutMs;
    for (let i = this.idle.length - 1; i >= 0; i--) {
      const c = this.idle[i]!;
      if (c.isClosed || c.lastUsed < cutoff) {
        this.idle.splice(i, 1);
        c.close();
        this.opened--;
        this.idleClosed++;
      }
    }
  }
}
