import { Command, Flags } from '@oclif/core';
import { destination, pino } from 'pino';
import { oneLine } from '../cli/ctl-command.js';
import { parseDuration } from '../cli/duration.js';
import { topoFlags, topoOptionsFromFlags } from '../cli/topo-flags.js';
import { defaultDataRoot, type Env } from '../core/env/env.js';
import { createLogger, type Logger } from '../core/env/logger.js';
import { Err, VtError } from '../core/errors/index.js';
import { Mysqld } from '../core/mysqlctl/index.js';
import { QueryRules } from '../core/tablet/query-rules.js';
import { parseTabletTypeArg } from '../core/tablet/state-manager.js';
import { tabletConfig, type TabletConfig } from '../core/tablet/tablet-config.js';
import { TabletServer } from '../core/tablet/tablet-server.js';
import { openTopoServer } from '../core/topo/open-topo-server.js';
import { parseTabletAlias } from '../core/topo/records/tablet-alias.js';
import { dbConfigFlags, dbConfigsFromFlags } from '../cli/mysqlctl-flags.js';

const QS = 'QUERY SERVER';

export default class Tablet extends Command {
  static override description =
    'Tablet server in front of one mysqld: registers in the topology, serves queries (pools, limits, transactions, consolidation), health and tablet manager RPCs, and /debug/status, /debug/vars, /metrics, /healthz.';

  static override examples = [
    '<%= config.bin %> tablet --tablet-path zone1-100 --init-keyspace commerce --init-shard 0 --init-tablet-type replica',
  ];

  static override flags = {
    'tablet-path': Flags.string({ required: true, description: 'Tablet alias <cell>-<uid>, e.g. zone1-100.' }),
    'init-keyspace': Flags.string({ required: true, description: 'Keyspace this tablet serves (created if missing).' }),
    'init-shard': Flags.string({
      required: true,
      description: 'Shard this tablet serves, e.g. 0 or -80 (created if missing).',
    }),
    'init-tablet-type': Flags.string({
      default: 'replica',
      description: 'replica, rdonly or spare. A tablet becomes primary only through init-shard-primary or a reparent.',
    }),
    hostname: Flags.string({ default: 'localhost', description: 'Host name other processes reach this tablet at.' }),
    'bind-address': Flags.string({ default: '0.0.0.0', description: 'Interface the HTTP and RPC servers listen on.' }),
    port: Flags.integer({ description: 'HTTP port (default 15000+uid; 0 picks a free port).' }),
    'grpc-port': Flags.integer({ description: 'RPC port (default 16000+uid; 0 picks a free port).' }),
    'mysql-port': Flags.integer({
      description: "mysqld's TCP port, registered for replicas (default: my.cnf, else 17000+uid).",
    }),
    'db-socket': Flags.string({ description: "mysqld's unix socket (default $VTDATAROOT/vt_<uid>/mysql.sock)." }),
    'mysql-host': Flags.string({ description: 'mysqld host registered for replicas (default --hostname).' }),
    'data-root': Flags.string({ env: 'VTDATAROOT', description: 'Data root holding vt_<uid> directories.' }),
    'queryserver-config-pool-size': Flags.integer({ description: 'Query pool size (16).', helpGroup: QS }),
    'queryserver-config-stream-pool-size': Flags.integer({ description: 'Stream pool size (200).', helpGroup: QS }),
    'queryserver-config-transaction-cap': Flags.integer({ description: 'Transaction pool size (20).', helpGroup: QS }),
    'queryserver-config-txpool-timeout': Flags.string({
      description: 'Wait for a transaction connection (1s).',
      helpGroup: QS,
    }),
    'queryserver-config-query-pool-timeout': Flags.string({
      description: 'Wait for a query connection (0: the query timeout).',
      helpGroup: QS,
    }),
    'queryserver-config-query-timeout': Flags.string({
      description: 'Query timeout (30s; 0 disables).',
      helpGroup: QS,
    }),
    'queryserver-config-transaction-timeout': Flags.string({
      description: 'Transaction timeout (30s).',
      helpGroup: QS,
    }),
    'queryserver-config-idle-timeout': Flags.string({
      description: 'Idle reserved connection timeout (30m).',
      helpGroup: QS,
    }),
    'queryserver-config-max-result-size': Flags.integer({
      description: 'Max rows per non-streaming query (10000).',
      helpGroup: QS,
    }),
    'shutdown-grace-period': Flags.string({
      description: 'How long a shutdown waits for in-flight queries (3s).',
      helpGroup: QS,
    }),
    'enable-consolidator': Flags.boolean({
      default: true,
      allowNo: true,
      description: 'Share identical concurrent selects.',
      helpGroup: QS,
    }),
    'query-rules-file': Flags.string({ description: 'Vitess query rules (JSON array) to enforce.', helpGroup: QS }),
    'health-check-interval': Flags.string({
      default: '2s',
      description: 'StreamHealth repeat period without changes.',
    }),
    'unhealthy-threshold': Flags.string({
      default: '2h',
      description: 'Replication lag beyond which a replica/rdonly tablet stops serving.',
    }),
    'log-file': Flags.string({ description: 'Write logs (JSON lines) to this file instead of stderr.' }),
    ...topoFlags,
    ...dbConfigFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Tablet);
    let logger: Logger | undefined;
    let server: TabletServer | undefined;
    try {
      const alias = parseTabletAlias(flags['tablet-path']);
      const type = parseTabletTypeArg(flags['init-tablet-type']);
      if (!['replica', 'rdonly', 'spare'].includes(type)) {
        throw Err.invalidArgument(
          `--init-tablet-type ${flags['init-tablet-type']}: must be replica, rdonly or spare (primary only via init-shard-primary)`,
        );
      }
      const level = process.env['VT_LOG_LEVEL'] ?? 'info';
      logger = flags['log-file']
        ? pino({ level, name: 'vt-tablet' }, destination({ dest: flags['log-file'], mkdir: true, sync: true }))
        : createLogger({ level, name: 'vt-tablet' });
      const env: Env = { logger, dataRoot: flags['data-root'] ?? defaultDataRoot() };
      const mysqld = await Mysqld.load({
        uid: alias.uid,
        env,
        ...(flags['mysql-port'] === undefined ? {} : { port: flags['mysql-port'] }),
        ...(flags['db-socket'] === undefined ? {} : { socket: flags['db-socket'] }),
      });
      const rules = flags['query-rules-file'] ? await QueryRules.load(flags['query-rules-file']) : undefined;
      const topo = await openTopoServer(topoOptionsFromFlags(flags, env.dataRoot), env);
      server = new TabletServer({
        env,
        topo,
        alias,
        keyspace: flags['init-keyspace'],
        shard: flags['init-shard'],
        initTabletType: type,
        hostname: flags.hostname,
        bindAddress: flags['bind-address'],
        httpPort: flags.port ?? portFor(15000, alias.uid, 'port'),
        grpcPort: flags['grpc-port'] ?? portFor(16000, alias.uid, 'grpc-port'),
        mysqlHost: flags['mysql-host'] ?? flags.hostname,
        mysqlPort: mysqld.port,
        mysqlSocket: mysqld.paths.socket,
        dbConfigs: dbConfigsFromFlags(flags),
        config: configFromFlags(flags),
        ...(rules ? { rules } : {}),
        healthIntervalMs: parseDuration(flags['health-check-interval'], 'health-check-interval'),
        unhealthyLagSeconds: parseDuration(flags['unhealthy-threshold'], 'unhealthy-threshold') / 1000,
      });
      const s = server;
      const done = new Promise<void>((resolve) => {
        let stopping = false;
        // Handlers stay installed: a second SIGTERM during the drain must not kill the process mid-way.
        const shutdown = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          logger?.info({ signal }, 'tablet: shutting down');
          void s
            .stop()
            .catch((e: unknown) => logger?.error({ err: VtError.from(e).message }, 'tablet: error while stopping'))
            .then(() => topo.close().catch(() => undefined))
            .then(resolve);
        };
        process.on('SIGTERM', () => shutdown('SIGTERM'));
        process.on('SIGINT', () => shutdown('SIGINT'));
      });
      await s.start();
      const h = s.state.health();
      process.stderr.write(
        `tablet ${s.alias} (${flags['init-keyspace']}/${flags['init-shard']} ${h.tabletType}) started: rpc ${s.rpcPort}, http ${s.httpPort}` +
          `${h.serving ? ', SERVING' : `, NOT_SERVING (${h.lastError})`}\n`,
      );
      await done;
    } catch (e) {
      const err = VtError.from(e);
      if (flags['log-file']) logger?.error({ err: err.message }, 'tablet: failed');
      await server?.stop().catch(() => undefined);
      process.stderr.write(`Error: ${oneLine(err.message) || err.code}\n`);
      this.exit(1);
    }
    this.exit(0);
  }
}

function portFor(base: number, uid: number, flag: string): number {
  const port = base + uid;
  if (port > 65535)
    throw Err.invalidArgument(`tablet uid ${uid} has no default --${flag} (${base}+uid > 65535); pass one`);
  return port;
}

function ms(v: string | undefined, flag: string): number | undefined {
  return v === undefined ? undefined : parseDuration(v, flag);
}

function configFromFlags(f: Record<string, unknown>): TabletConfig {
  const o: Record<string, number | string | undefined> = {
    poolSize: f['queryserver-config-pool-size'] as number | undefined,
    streamPoolSize: f['queryserver-config-stream-pool-size'] as number | undefined,
    txPoolSize: f['queryserver-config-transaction-cap'] as number | undefined,
    txPoolTimeoutMs: ms(
      f['queryserver-config-txpool-timeout'] as string | undefined,
      'queryserver-config-txpool-timeout',
    ),
    queryPoolTimeoutMs: ms(
      f['queryserver-config-query-pool-timeout'] as string | undefined,
      'queryserver-config-query-pool-timeout',
    ),
    queryTimeoutMs: ms(f['queryserver-config-query-timeout'] as string | undefined, 'queryserver-config-query-timeout'),
    txTimeoutMs: ms(
      f['queryserver-config-transaction-timeout'] as string | undefined,
      'queryserver-config-transaction-timeout',
    ),
    idleTimeoutMs: ms(f['queryserver-config-idle-timeout'] as string | undefined, 'queryserver-config-idle-timeout'),
    maxResultSize: f['queryserver-config-max-result-size'] as number | undefined,
    shutdownGracePeriodMs: ms(f['shutdown-grace-period'] as string | undefined, 'shutdown-grace-period'),
    consolidator: f['enable-consolidator'] === false ? 'disable' : undefined,
  };
  return tabletConfig(
    Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<TabletConfig>,
  );
}
