import { VtError } from '../errors/index.js';
import { DbConn, type ConnParams, type Killer } from './db-conn.js';

const ER_NO_SUCH_THREAD = 1094;

/**
 * Kills running statements with `KILL QUERY <thread id>` over its own dba connection (never a pooled one, which
 * may all be busy). Kills are serialised on that connection; the connection is (re)opened on demand, so the
 * killer survives a mysqld restart. A thread that already finished (1094) counts as killed.
 */
export class QueryKiller implements Killer {
  private conn: DbConn | undefined;
  private chain: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly dba: ConnParams,
    private readonly onKill: (threadId: number) => void = () => undefined,
  ) {}

  /** Resolves once mysqld has accepted the kill; rejects (VtError) if it could not be delivered. */
  killQuery(threadId: number): Promise<void> {
    const run = this.chain.then(() => this.kill(threadId, 'query'));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /**
   * `KILL CONNECTION <thread id>`: mysqld aborts any running statement, rolls back the connection's transaction
   * and releases its locks at once, even mid-statement (closing our socket alone would wait for the statement).
   */
  killConnection(threadId: number): Promise<void> {
    const run = this.chain.then(() => this.kill(threadId, 'connection'));
    this.chain = run.catch(() => undefined);
    return run;
  }

  /** Re-enables a closed killer (the engine can be closed and opened again). */
  open(): void {
    this.closed = false;
  }

  close(): void {
    this.closed = true;
    this.conn?.close();
    this.conn = undefined;
  }

  private async kill(threadId: number, what: 'query' | 'connection'): Promise<void> {
    if (this.closed) throw new VtError('UNAVAILABLE', 'query killer is closed');
    if (!Number.isSafeInteger(threadId) || threadId <= 0) throw new VtError('INTERNAL', `bad thread id ${threadId}`);
    if (!this.conn || this.conn.isClosed) this.conn = await DbConn.connect(this.dba);
    try {
      await this.conn.exec(`kill ${what} ${threadId}`);
    } catch (err) {
      if (!(err instanceof VtError && err.errno === ER_NO_SUCH_THREAD)) throw err;
    }
    this.onKill(threadId);
  }
}
