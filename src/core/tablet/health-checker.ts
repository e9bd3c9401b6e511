import type { Logger } from '../env/logger.js';
import { VtError } from '../errors/index.js';
import { DbConn, type ConnParams } from './db-conn.js';
import { rowObjects } from './dba-connector.js';
import { replicationStatus, startReplication, type DbaExecutor } from './replication.js';
import type { StateManager } from './state-manager.js';

export interface HealthCheckerOptions {
  readonly dba: ConnParams;
  readonly state: StateManager;
  readonly logger: Logger;
  /** Probe period; default 1000 ms. */
  readonly intervalMs?: number;
  /** A probe slower than this counts as a failure; default 1000 ms. */
  readonly probeTimeoutMs?: number;
  /** True when an operator stopped replication on purpose (StopReplication): the checker must not restart it. */
  readonly replicationStoppedOnPurpose: () => boolean;
}

/**
 * Watches mysqld from the tablet: every interval it runs `SELECT 1` on a kept-open dba connection (reopened
 * after a failure) and, on non-primaries, reads SHOW SLAVE STATUS for lag and replication errors. Results go to
 * the StateManager, which turns them into serving state and health messages.
 *
 * When mysqld comes back (or on the first successful probe) and a replica's replication is configured but
 * both threads are stopped, it runs START SLAVE, as Vitess's replication manager does: mysqld starts with
 * skip_slave_start, so after a crash nothing else would resume replication. Not when an operator stopped it.
 */
export class HealthChecker {
  private conn: DbConn | undefined;
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private wasUp = false;
  private stopped = false;

  constructor(private readonly o: HealthCheckerOptions) {}

  /** Probes once now (so the state is known before serving), then periodically. */
  async start(): Promise<void> {
    await this.probe();
    this.schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
    this.conn?.close();
    this.conn = undefined;
  }

  /** One probe; exposed so callers (tests, InitPrimary) can refresh the state without waiting. */
  probe(): Promise<void> {
    if (!this.running) {
      this.running = this.probeOnce().finally(() => (this.running = undefined));
    }
    return this.running;
  }

  private schedule(): void {
    if (this.stopped) return;
    this.timer = setTimeout(() => {
      void this.probe().finally(() => this.schedule());
    }, this.o.intervalMs ?? 1000);
    this.timer.unref();
  }

  private async probeOnce(): Promise<void> {
    const timeoutMs = this.o.probeTimeoutMs ?? 1000;
    const state = this.o.state;
    try {
      if (!this.conn || this.conn.isClosed) {
        this.conn?.close();
        this.conn = undefined;
        this.conn = await DbConn.connect({ ...this.o.dba, connectTimeoutMs: timeoutMs });
      }
      const conn = this.conn;
      await conn.exec('SELECT 1', { timeoutMs });
      const recovered = !this.wasUp;
      this.wasUp = true;
      state.setMysql(true);
      if (state.type !== 'primary') await this.checkReplication(conn, recovered, timeoutMs);
      else state.setReplication(0, '');
    } catch (err) {
      const e = VtError.from(err);
      if (this.wasUp) this.o.logger.warn({ err: e.message }, 'health: mysqld is not reachable');
      this.wasUp = false;
      this.conn?.close();
      this.conn = undefined;
      state.setMysql(false, `mysqld is not reachable: ${e.message}`);
    }
  }

  private async checkReplication(conn: DbConn, recovered: boolean, timeoutMs: number): Promise<void> {
    const db: DbaExecutor = { query: async (sql) => rowObjects(await conn.exec(sql, { timeoutMs })) };
    let status = await replicationStatus(db);
    if (status && recovered && !status.ioRunning && !status.sqlRunning && !this.o.replicationStoppedOnPurpose()) {
      this.o.logger.info({ source: `${status.sourceHost}:${status.sourcePort}` }, 'health: restarting replication');
      try {
        await startReplication(db);
        status = await replicationStatus(db);
      } catch (err) {
        this.o.logger.warn({ err: VtError.from(err).message }, 'health: cannot restart replication');
      }
    }
    if (!status) {
      this.o.state.setReplication(0, 'replication is not configured');
      return;
    }
    const errors = [status.lastIoError, status.lastSqlError].filter((s) => s !== '');
    if (!status.ioRunning || !status.sqlRunning || status.lagSeconds === null) {
      const why = errors.length > 0 ? `: ${errors.join('; ')}` : '';
      this.o.state.setReplication(status.lagSeconds ?? 0, `replication is not running${why}`);
      return;
    }
    this.o.state.setReplication(status.lagSeconds, '');
  }
}
