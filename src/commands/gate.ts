import { readFile } from 'node:fs/promises';
import { Command, Flags } from '@oclif/core';
import { topoFlags, topoOptionsFromFlags } from '../cli/topo-flags.js';
import { defaultDataRoot, type Env } from '../core/env/env.js';
import { createLogger } from '../core/env/logger.js';
import { Err, VtError } from '../core/errors/index.js';
import { Gate } from '../core/gate/gate.js';
import { AuthServerNone, AuthServerStatic, type AuthServer } from '../core/protocol/index.js';
import { openTopoServer } from '../core/topo/open-topo-server.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1']);

/** `500`, `500ms`, `30s`, `2m` -> milliseconds. */
function parseDurationMs(text: string, flag: string): number {
  const m = /^(\d+(?:\.\d+)?)(ms|s|m)?$/.exec(text.trim());
  if (m === null) throw Err.invalidArgument(`--${flag}: invalid duration "${text}" (e.g. 500, 500ms, 30s, 2m)`);
  const n = Number(m[1]);
  return Math.round(m[2] === 's' ? n * 1000 : m[2] === 'm' ? n * 60_000 : n);
}

function positiveMs(text: string, flag: string): number {
  const ms = parseDurationMs(text, flag);
  if (ms < 100) throw Err.invalidArgument(`--${flag}: must be at least 100ms`);
  return ms;
}

export default class GateCommand extends Command {
  static override description = [
    "MySQL-protocol proxy in front of the tablets (Vitess's vtgate).",
    '',
    'Routes every statement of an UNSHARDED keyspace to its only shard, and the statements of shard-targeted sessions (USE ks:-80, USE ks:-80@replica, connect database "ks:-80@rdonly") to that shard; @replica/@rdonly read from healthy replicas (least lag, round robin). Answers @@version, DATABASE(), LAST_INSERT_ID(), CONNECTION_ID(), SHOW DATABASES/KEYSPACES, SHOW VITESS_SHARDS/VITESS_TABLETS/VITESS_TARGET and SHOW VSCHEMA TABLES itself. Session settings (SET sql_mode, time_zone, ...) run on reserved tablet connections.',
    '',
    'PARTIAL: no sharded routing yet (a statement on a sharded keyspace without a shard target fails with 1235 "not supported yet"); a transaction touches one shard; SET TRANSACTION is accepted but not applied; no query buffering during reparents; LOCK TABLES, LOAD DATA and VEXPLAIN are refused; OK packets carry no info text ("Rows matched: ..."); new tablets and keyspaces are seen by polling the topology (--tablet-refresh-interval, default 2s), as the Vitess topology watcher does, not through watches.',
  ].join('\n');

  static override examples = [
    '<%= config.bin %> gate --cell zone1',
    '<%= config.bin %> gate --mysql-server-port 15306 --port 15001 --mysql-auth-server-static-file users.json --mysql-server-bind-address 0.0.0.0',
  ];

  static override flags = {
    ...topoFlags,
    'mysql-server-port': Flags.integer({ default: 15306, description: 'MySQL protocol port (0: any free port).' }),
    'mysql-server-bind-address': Flags.string({
      description: 'Address the MySQL listener binds (default 127.0.0.1; a non-loopback address needs an auth file).',
    }),
    port: Flags.integer({
      default: 15001,
      description: 'HTTP port: /debug/status, /debug/vars, /metrics, /debug/query_plans.',
    }),
    cell: Flags.string({
      default: 'zone1',
      description: "The gate's cell (its SrvKeyspace/SrvVSchema are read there).",
    }),
    'cells-to-watch': Flags.string({
      description: 'Comma-separated cells whose tablets are routed to (default: --cell).',
    }),
    'tablet-types-to-wait': Flags.string({
      default: 'PRIMARY,REPLICA',
      description: 'Wait at start until the tablets of these types answered a health check (up to 30 s).',
    }),
    'mysql-auth-server-static-file': Flags.string({ description: "Users file in Vitess's static auth JSON format." }),
    'mysql-server-ssl-cert': Flags.string({ description: 'PEM certificate for TLS client connections.' }),
    'mysql-server-ssl-key': Flags.string({ description: 'PEM key for TLS client connections.' }),
    'mysql-server-require-secure-transport': Flags.boolean({
      default: false,
      description: 'Refuse logins without TLS.',
    }),
    'mysql-server-version': Flags.string({
      default: '8.0.40-vt',
      description: 'Version announced in the handshake and @@version.',
    }),
    'query-timeout': Flags.string({
      default: '0',
      description: 'Gate-side timeout of each query (ms, or 30s/2m; 0: none).',
    }),
    'max-memory-rows': Flags.integer({ default: 300000, description: 'Largest result the gate holds in memory.' }),
    'onterm-timeout': Flags.string({
      default: '10s',
      description:
        "On SIGTERM/SIGINT: how long statements in flight may take to finish before their connections are cut (Vitess's onterm_timeout). Idle connections close at once; new ones are refused.",
    }),
    'tablet-refresh-interval': Flags.string({
      default: '2s',
      description:
        "How often tablet records and keyspaces are re-read from the topology (Vitess's tablet_refresh_interval; ms, or 30s/2m). A dead tablet leaves routing through its health stream within 2 s regardless.",
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(GateCommand);
    const env: Env = {
      logger: createLogger({ level: process.env['VT_LOG_LEVEL'] ?? 'warn', name: 'vt-gate' }),
      dataRoot: defaultDataRoot(),
    };
    try {
      const authFile = flags['mysql-auth-server-static-file'];
      const bind = flags['mysql-server-bind-address'] ?? '127.0.0.1';
      if (!LOOPBACK.has(bind) && authFile === undefined) {
        throw Err.invalidArgument(
          `--mysql-server-bind-address ${bind} needs --mysql-auth-server-static-file (no open remote access)`,
        );
      }
      const authServer: AuthServer =
        authFile !== undefined ? await AuthServerStatic.fromFile(authFile) : new AuthServerNone();
      const certFile = flags['mysql-server-ssl-cert'];
      const keyFile = flags['mysql-server-ssl-key'];
      if ((certFile === undefined) !== (keyFile === undefined)) {
        throw Err.invalidArgument('--mysql-server-ssl-cert and --mysql-server-ssl-key go together');
      }
      const tls =
        certFile !== undefined ? { cert: await readFile(certFile), key: await readFile(keyFile!) } : undefined;
      const ontermMs = parseDurationMs(flags['onterm-timeout'], 'onterm-timeout');
      const topo = await openTopoServer(topoOptionsFromFlags(flags, env.dataRoot), env);
      const cells = (flags['cells-to-watch'] ?? '')
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== '');
      const gate = await Gate.start({
        env,
        topo,
        cell: flags.cell,
        cellsToWatch: cells,
        authServer,
        mysqlPort: flags['mysql-server-port'],
        mysqlBindAddress: bind,
        httpPort: flags.port,
        serverVersion: flags['mysql-server-version'],
        tls,
        requireSecureTransport: flags['mysql-server-require-secure-transport'],
        queryTimeoutMs: parseDurationMs(flags['query-timeout'], 'query-timeout'),
        maxMemoryRows: flags['max-memory-rows'],
        refreshMs: positiveMs(flags['tablet-refresh-interval'], 'tablet-refresh-interval'),
        tabletTypesToWait: flags['tablet-types-to-wait']
          .split(',')
          .map((t) => t.trim())
          .filter((t) => t !== ''),
      }).catch(async (e: unknown) => {
        await topo.close().catch(() => undefined);
        throw e;
      });
      this.log(
        `vt gate: MySQL on ${gate.mysqlAddress.address}:${gate.mysqlAddress.port}, HTTP on ${gate.httpAddress?.address}:${gate.httpAddress?.port} (cell ${flags.cell})`,
      );
      await new Promise<void>((resolve) => {
        const stop = (): void => {
          process.off('SIGTERM', stop);
          process.off('SIGINT', stop);
          resolve();
        };
        process.on('SIGTERM', stop);
        process.on('SIGINT', stop);
      });
      await gate.close(ontermMs);
      await topo.close().catch(() => undefined);
      this.log('vt gate: stopped');
    } catch (e) {
      const err = e instanceof VtError ? e : VtError.from(e);
      this.logToStderr(`Error: ${err.message}`);
      this.exit(1);
    }
  }
}
