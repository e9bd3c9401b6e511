import type { Env } from '../env/env.js';
import { Err, VtError, isReason } from '../errors/index.js';
import type { DbConfigs } from '../mysqlctl/db-configs.js';
import { RpcServer } from '../rpc/index.js';
import { newKeyspace } from '../topo/records/keyspace.js';
import { tabletDbName, type Tablet } from '../topo/records/tablet.js';
import { formatTabletAlias, tabletAliasEqual, type TabletAlias } from '../topo/records/tablet-alias.js';
import type { TopoServer } from '../topo/topo-server.js';
import { DbaConnector } from './dba-connector.js';
import type { ConnParams } from './db-conn.js';
import { HealthChecker } from './health-checker.js';
import { QueryEngine } from './query-engine.js';
import type { QueryRules } from './query-rules.js';
import { QueryService, TabletManagerService } from './query-service.js';
import { setReadOnly } from './replication.js';
import { StateManager, toTopoType } from './state-manager.js';
import type { TabletConfig } from './tablet-config.js';
import { TabletHttp } from './tablet-http.js';
import { TabletManager } from './tablet-manager.js';
import { TabletQueryService } from './tablet-query-service.js';
import type { TabletType } from './tablet-target.js';

export interface TabletServerOptions {
  readonly env: Env;
  readonly topo: TopoServer;
  readonly alias: TabletAlias;
  readonly keyspace: string;
  readonly shard: string;
  /** replica, rdonly or spare; a tablet the Shard record names as primary starts as primary instead. */
  readonly initTabletType: TabletType;
  /** Registered in the Tablet record; how others reach this tablet. */
  readonly hostname: string;
  /** Interface the RPC and HTTP servers bind; default 0.0.0.0. */
  readonly bindAddress?: string;
  /** 0 picks a free port (the record gets the real one). */
  readonly httpPort: number;
  readonly grpcPort: number;
  /** mysqld as registered in the record (replicas connect there); the tablet itself uses the socket. */
  readonly mysqlHost: string;
  readonly mysqlPort: number;
  readonly mysqlSocket: string;
  readonly dbConfigs: DbConfigs;
  readonly config: TabletConfig;
  readonly rules?: QueryRules;
  /** StreamHealth repeat period without changes; default 2000 ms. */
  readonly healthIntervalMs?: number;
  /** mysqld probe period; default 1000 ms. */
  readonly probeIntervalMs?: number;
  /** Replication lag beyond which a non-primary stops serving; default 7200 s. */
  readonly unhealthyLagSeconds?: number;
}

/**
 * One `vt tablet`: registers itself in the topology, serves QueryService + TabletManager on its RPC port and the
 * debug/metrics pages on its HTTP port, and keeps its Tablet record current (type, primary term).
 *
 * start(): creates the keyspace and shard records when missing (a first shard of a keyspace is serving, as in
 * Vitess), opens the query engine, probes mysqld, listens, then writes the Tablet record with the bound ports
 * (so a registered tablet is reachable). A tablet whose record or alias belongs to another keyspace/shard is
 * refused (FAILED_PRECONDITION). mysqld may be down at start: the tablet then reports NOT_SERVING and
 * becomes serving when mysqld answers.
 *
 * stop(): NOT_SERVING first, then the query engine drains (its shutdown grace period), then the servers close.
 * The Tablet record stays (as in Vitess); its type survives restarts only through the Shard's primary.
 */
export class TabletServer {
  readonly state: StateManager;
  readonly engine: QueryEngine;
  readonly dbName: string;
  private readonly aliasText: string;
  private readonly rpc: RpcServer;
  private readonly http: TabletHttp;
  private readonly health: HealthChecker;
  private readonly manager: TabletManager;
  private readonly dba: DbaConnector;
  private boundRpcPort = 0;
  private boundHttpPort = 0;
  private published: { type: TabletType; term: string | null } | undefined;
  private publishing: Promise<void> = Promise.resolve();
  private dbCreated = false;
  private registered = false;
  private mysqlSetup: Promise<void> = Promise.resolve();
  private stopped = false;

  constructor(private readonly o: TabletServerOptions) {
    this.aliasText = formatTabletAlias(o.alias);
    this.dbName = tabletDbName({ keyspace: o.keyspace });
    const logger = o.env.logger.child({ tablet: this.aliasText });
    const env: Env = { ...o.env, logger };
    const conn = (role: 'dba' | 'app', database?: string): ConnParams => ({
      socketPath: o.mysqlSocket,
      user: o.dbConfigs[role].user,
      password: o.dbConfigs[role].password,
      ...(database ? { database } : {}),
    });
    this.state = new StateManager({
      alias: this.aliasText,
      keyspace: o.keyspace,
      shard: o.shard,
      type: o.initTabletType,
      ...(o.unhealthyLagSeconds === undefined ? {} : { unhealthyLagSeconds: o.unhealthyLagSeconds }),
    });
    this.engine = new QueryEngine({
      env,
      config: o.config,
      app: conn('app', this.dbName),
      dba: conn('dba'),
      createDatabase: false,
      ...(o.rules ? { rules: o.rules } : {}),
    });
    this.dba = new DbaConnector(conn('dba', this.dbName));
    this.manager = new TabletManager({
      env,
      state: this.state,
      dbName: this.dbName,
      dba: this.dba,
      app: new DbaConnector(conn('app', this.dbName)),
      replUser: o.dbConfigs.repl,
      changeType: (type, term) => this.changeType(type, term),
      probeHealth: () => this.health.probe(),
    });
    this.health = new HealthChecker({
      dba: conn('dba'),
      state: this.state,
      logger,
      intervalMs: o.probeIntervalMs ?? 1000,
      replicationStoppedOnPurpose: () => this.manager.replicationStoppedOnPurpose,
    });
    this.rpc = new RpcServer(env);
    const queryService = new TabletQueryService(this.state, this.engine, o.healthIntervalMs ?? 2000);
    QueryService.bindServer(this.rpc, queryService);
    TabletManagerService.bindServer(this.rpc, this.manager);
    this.http = new TabletHttp({
      state: this.state,
      engine: this.engine,
      logger,
      mysqld: `${o.mysqlHost}:${o.mysqlPort} (socket ${o.mysqlSocket})`,
      extraVars: () => ({ RpcConnections: this.rpc.connectionCount, QueryService: queryService.counters() }),
    });
    let wasUp = false;
    this.state.onChange((h) => {
      if (h.tabletType !== this.published?.type || h.primaryTermStartTime !== this.published?.term)
        this.publish().catch(() => undefined); // logged in publish()
      const up = this.state.mysqlReachable;
      if (up && !wasUp) this.mysqlSetup = this.onMysqlUp();
      wasUp = up;
    });
  }

  get alias(): string {
    return this.aliasText;
  }

  get rpcPort(): number {
    return this.boundRpcPort;
  }

  get httpPort(): number {
    return this.boundHttpPort;
  }

  async start(): Promise<void> {
    const { topo, keyspace, shard } = this.o;
    await this.ensureShard();
    const shardRecord = await topo.getShard(keyspace, shard);
    if (tabletAliasEqual(shardRecord.primary_alias, this.o.alias)) {
      this.state.setType('primary', shardRecord.primary_term_start_time ?? new Date().toISOString());
    }
    await this.engine.open();
    this.state.setEngineOpen(true);
    await this.health.start();
    await this.mysqlSetup;
    const host = this.o.bindAddress ?? '0.0.0.0';
    this.boundRpcPort = (await this.rpc.listen(this.o.grpcPort, host)).port;
    this.boundHttpPort = await this.http.listen(this.o.httpPort, host);
    await this.register(shardRecord.key_range);
    this.o.env.logger.info(
      {
        keyspace,
        shard,
        type: this.state.type,
        serving: this.state.serving,
        grpc: this.boundRpcPort,
        http: this.boundHttpPort,
      },
      'tablet: started',
    );
  }

  /** Drains and stops (see class comment). Idempotent. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.state.setShuttingDown();
    await this.engine.close();
    this.state.setEngineOpen(false);
    await this.health.stop();
    await this.publishing;
    await Promise.allSettled([this.rpc.close(), this.http.close()]);
  }

  /** Changes the type, publishes it to the topology and the health stream; resolves once the record is written. */
  async changeType(type: TabletType, primaryTermStartTime?: string | null): Promise<void> {
    this.state.setType(type, primaryTermStartTime);
    await this.publish();
  }

  private async ensureShard(): Promise<void> {
    const { topo, keyspace, shard } = this.o;
    try {
      await topo.createKeyspace(keyspace, newKeyspace());
    } catch (err) {
      if (!isReason(err, 'NodeExists') && !(err instanceof VtError && err.code === 'ALREADY_EXISTS')) throw err;
    }
    try {
      await topo.createShard(keyspace, shard);
    } catch (err) {
      if (!isReason(err, 'NodeExists') && !(err instanceof VtError && err.code === 'ALREADY_EXISTS')) throw err;
    }
  }

  private record(keyRange: Tablet['key_range']): Tablet {
    return {
      alias: this.o.alias,
      hostname: this.o.hostname,
      port_map: { vt: this.boundHttpPort, grpc: this.boundRpcPort },
      mysql_hostname: this.o.mysqlHost,
      mysql_port: this.o.mysqlPort,
      keyspace: this.o.keyspace,
      shard: this.o.shard,
      key_range: keyRange,
      type: toTopoType(this.state.type),
      primary_term_start_time: this.state.primaryTermStartTime,
      tags: {},
    };
  }

  /** Creates the Tablet record, or takes over an existing one of the same keyspace/shard. */
  private async register(keyRange: Tablet['key_range']): Promise<void> {
    const fresh = this.record(keyRange);
    try {
      await this.o.topo.createTablet(fresh);
    } catch (err) {
      if (isReason(err, 'NoNode') && (err as VtError).message.startsWith('cell ')) {
        throw Err.failedPrecondition(
          `cannot register tablet ${this.aliasText}: ${(err as VtError).message} (create it first: vt ctl add-cell-info ${this.o.alias.cell} ...)`,
        );
      }
      if (!(err instanceof VtError && err.code === 'ALREADY_EXISTS')) throw err;
      await this.o.topo.updateTabletFields(this.o.alias, (old) => {
        if (old.keyspace !== this.o.keyspace || old.shard !== this.o.shard) {
          throw Err.failedPrecondition(
            `tablet ${this.aliasText} is registered for ${old.keyspace}/${old.shard}, not ${this.o.keyspace}/${this.o.shard}; delete it first`,
          );
        }
        return { ...old, ...fresh, tags: old.tags };
      });
    }
    this.published = { type: this.state.type, term: this.state.primaryTermStartTime };
    this.registered = true;
  }

  /** Writes type and primary term to the record; writes are chained so the last state wins. */
  private publish(): Promise<void> {
    if (!this.registered) return this.publishing; // register() writes the state it finds
    const next = this.publishing.then(async () => {
      const type = this.state.type;
      const term = this.state.primaryTermStartTime;
      if (this.published?.type === type && this.published.term === term) return;
      try {
        await this.o.topo.updateTabletFields(this.o.alias, (old) => ({
          ...old,
          type: toTopoType(type),
          primary_term_start_time: term,
        }));
        this.published = { type, term };
      } catch (err) {
        this.o.env.logger.error({ err: VtError.from(err).message }, 'tablet: cannot update the tablet record');
        throw err;
      }
    });
    this.publishing = next.catch(() => undefined);
    return next;
  }

  /**
   * mysqld answers (at start or after a restart): create the tablet's database if this tablet has not yet
   * (kept out of the binlog: each tablet creates it locally, and a replica's own GTIDs would break MariaDB
   * strict-mode replication), and make a primary writable again (mysqld starts read-only).
   */
  private async onMysqlUp(): Promise<void> {
    try {
      if (!this.dbCreated) {
        await this.dba.withSession(
          async (s) => {
            await s.exec('SET SESSION sql_log_bin = 0');
            await s.exec(`CREATE DATABASE IF NOT EXISTS \`${this.dbName.replace(/`/g, '``')}\``);
          },
          { database: '' },
        );
        this.dbCreated = true;
      }
      if (this.state.type === 'primary') await setReadOnly(this.dba, false);
    } catch (err) {
      this.o.env.logger.warn(
        { err: VtError.from(err).message },
        'tablet: mysqld setup failed; retried when it returns',
      );
    }
  }
}
