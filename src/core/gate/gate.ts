import type { AddressInfo } from 'node:net';
import type { Env } from '../env/env.js';
import type { AuthServer } from '../protocol/auth-server.js';
import { MysqlServer } from '../protocol/mysql-server.js';
import type { TopoServer } from '../topo/topo-server.js';
import { Executor } from './executor.js';
import { GateHandler } from './gate-handler.js';
import { GateHttp } from './gate-http.js';
import { GateStats } from './gate-stats.js';
import { HealthCheck } from './health-check.js';
import { KeyspaceCache } from './keyspace-cache.js';
import { TabletDiscovery } from './tablet-discovery.js';

export interface GateOptions {
  readonly env: Env;
  readonly topo: TopoServer;
  /** The gate's own cell (SrvKeyspace/SrvVSchema are read there). */
  readonly cell: string;
  /** Cells whose tablets are routed to; default [cell]. */
  readonly cellsToWatch?: readonly string[];
  readonly authServer: AuthServer;
  readonly mysqlPort: number;
  readonly mysqlBindAddress: string;
  /** HTTP port; undefined: no HTTP server. */
  readonly httpPort?: number;
  readonly httpBindAddress?: string;
  readonly serverVersion: string;
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly requireSecureTransport?: boolean;
  readonly queryTimeoutMs?: number;
  readonly maxMemoryRows?: number;
  /** Wait at start until tablets of these types (PRIMARY, REPLICA...) answered their first health check. */
  readonly tabletTypesToWait?: readonly string[];
  readonly waitTimeoutMs?: number;
  /** Topology re-read period (tablets and keyspaces); default 2 s. */
  readonly refreshMs?: number;
  /** Health stream re-open delay; default 500 ms. */
  readonly healthRetryMs?: number;
}

/**
 * A running gate: topology discovery + health check + executor behind a MySQL listener and an HTTP server.
 * `Gate.start` resolves once both listen; `close` stops accepting, rolls back every session, closes streams.
 */
export class Gate {
  private constructor(
    readonly mysqlAddress: AddressInfo,
    readonly httpAddress: AddressInfo | undefined,
    readonly executor: Executor,
    readonly healthCheck: HealthCheck,
    readonly keyspaces: KeyspaceCache,
    readonly stats: GateStats,
    private readonly parts: { mysql: MysqlServer; http: GateHttp | undefined; discovery: TabletDiscovery },
  ) {}

  static async start(o: GateOptions): Promise<Gate> {
    const env = o.env;
    const stats = new GateStats();
    const healthCheck = new HealthCheck({ env, retryDelayMs: o.healthRetryMs });
    const keyspaces = new KeyspaceCache({ env, topo: o.topo, cell: o.cell, refreshMs: o.refreshMs });
    const discovery = new TabletDiscovery({
      env,
      topo: o.topo,
      cells: o.cellsToWatch && o.cellsToWatch.length > 0 ? o.cellsToWatch : [o.cell],
      healthCheck,
      refreshMs: o.refreshMs,
    });
    const executor = new Executor({
      env,
      keyspaces,
      healthCheck,
      stats,
      serverVersion: o.serverVersion,
      queryTimeoutMs: o.queryTimeoutMs,
      maxMemoryRows: o.maxMemoryRows,
    });
    const mysql = new MysqlServer({
      handler: new GateHandler(executor, stats),
      authServer: o.authServer,
      serverVersion: o.serverVersion,
      tls: o.tls,
      requireSecureTransport: o.requireSecureTransport,
      logger: env.logger,
    });
    let http: GateHttp | undefined;
    try {
      await Promise.all([keyspaces.start(), discovery.start()]);
      if (o.tabletTypesToWait && o.tabletTypesToWait.length > 0) {
        const missing = await healthCheck.waitForTablets(o.tabletTypesToWait, o.waitTimeoutMs ?? 30_000);
        if (missing.length > 0)
          env.logger.warn({ tablets: missing }, 'tablets did not answer their first health check in time');
      }
      const mysqlAddress = await mysql.listen(o.mysqlPort, o.mysqlBindAddress);
      let httpAddress: AddressInfo | undefined;
      if (o.httpPort !== undefined) {
        http = new GateHttp({
          stats,
          healthCheck,
          keyspaces,
          plans: executor.plans,
          identity: () => ({
            cell: o.cell,
            mysql: `${mysqlAddress.address}:${mysqlAddress.port}`,
            version: o.serverVersion,
          }),
        });
        httpAddress = await http.listen(o.httpPort, o.httpBindAddress ?? o.mysqlBindAddress);
      }
      return new Gate(mysqlAddress, httpAddress, executor, healthCheck, keyspaces, stats, { mysql, http, discovery });
    } catch (e) {
      await mysql.close().catch(() => undefined);
      await http?.close().catch(() => undefined);
      discovery.close();
      keyspaces.close();
      healthCheck.close();
      throw e;
    }
  }

  /**
   * Stops the gate. With `drainMs`, statements in flight get up to that long to finish (their connections close
   * after the reply; idle ones at once) before the rest are cut off.
   */
  async close(drainMs = 0): Promise<void> {
    await this.parts.mysql.close(drainMs);
    await this.parts.http?.close();
    this.parts.discovery.close();
    this.keyspaces.close();
    this.healthCheck.close();
  }
}
