import path from 'node:path';
import { Command, Flags } from '@oclif/core';
import { parseKeyspaceSpec, DEFAULT_PORT_BASE } from '../core/cluster/cluster-plan.js';
import type { ClusterState } from '../core/cluster/cluster-state.js';
import { seconds, upCluster } from '../core/cluster/cluster-up.js';
import { selfCommand } from '../core/cluster/self-command.js';
import { defaultDataRoot } from '../core/env/env.js';
import { createLogger } from '../core/env/logger.js';
import { VtError } from '../core/errors/index.js';

export default class Up extends Command {
  static override description =
    'Start a whole local cluster in the background: topology, one mysqld + tablet per tablet, primaries elected, schema and VSchema applied, the gate. Returns once every shard serves through the gate. Without --keyspace: the commerce demo (product, customer, corder with sample rows). On a root whose cluster was stopped (vt down without --clean, a reboot) it restarts that cluster with its data.';

  static override examples = [
    '<%= config.bin %> up',
    '<%= config.bin %> up --root /tmp/vt2 --port-base 25000',
    '<%= config.bin %> up --keyspace commerce --keyspace customer:-80,80- --schema-dir ./schema',
    '<%= config.bin %> up --topo etcd',
  ];

  static override flags = {
    root: Flags.string({
      env: 'VTDATAROOT',
      description: 'Data root: everything the cluster writes (default ./vtdataroot).',
    }),
    cell: Flags.string({ default: 'zone1', description: 'Cell of every tablet and the gate.' }),
    keyspace: Flags.string({
      multiple: true,
      description: 'NAME[:SHARDS]: a keyspace to create, SHARDS is 0 (unsharded, default) or e.g. -80,80-. Repeatable.',
    }),
    'schema-dir': Flags.string({
      description:
        'Applies DIR/<keyspace>/*.sql (lexical order) and DIR/<keyspace>/vschema.json. Without --keyspace, each subdirectory is an unsharded keyspace.',
    }),
    replicas: Flags.integer({ default: 1, min: 0, description: 'Replica tablets per shard besides the primary.' }),
    rdonly: Flags.integer({ default: 0, min: 0, description: 'Rdonly tablets per shard.' }),
    'mysql-port': Flags.integer({
      description: "The gate's MySQL port (default 15306 shifted by --port-base); must be free.",
    }),
    'port-base': Flags.integer({
      default: DEFAULT_PORT_BASE,
      description:
        'Shifts every derived port by N-15000 (gate 15306/15001, tablets 15000+uid/16000+uid, mysqld 17000+uid, etcd 2379). Taken defaults are replaced by free ports.',
    }),
    topo: Flags.option({
      options: ['local', 'etcd'] as const,
      default: 'local' as const,
      description: 'Topology: the local store under ROOT/topo, or etcd.',
    })(),
    'etcd-address': Flags.string({
      description: 'With --topo etcd: use this etcd (host:port) instead of starting one.',
    }),
    'mysql-template-root': Flags.string({
      env: 'VT_MYSQL_TEMPLATE_ROOT',
      hidden: true,
      description: 'Directory of the initialised mysqld datadir template (default ROOT); tests share one.',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Up);
    const root = path.resolve(flags.root ?? defaultDataRoot());
    const abort = new AbortController();
    const onSignal = (): void => abort.abort();
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    const started = Date.now();
    const progress = (line: string): void => this.log(`[${seconds(Date.now() - started).padStart(6)}] ${line}`);
    let state: ClusterState;
    try {
      if (flags['etcd-address'] !== undefined && flags.topo !== 'etcd') {
        throw new VtError('INVALID_ARGUMENT', '--etcd-address needs --topo etcd');
      }
      const r = await upCluster({
        root,
        env: { logger: createLogger({ level: process.env['VT_LOG_LEVEL'] ?? 'warn', name: 'vt-up' }), dataRoot: root },
        cell: flags.cell,
        keyspaces: (flags.keyspace ?? []).map(parseKeyspaceSpec),
        schemaDir: flags['schema-dir'],
        replicas: flags.replicas,
        rdonly: flags.rdonly,
        portBase: flags['port-base'],
        gateMysqlPort: flags['mysql-port'],
        topo: flags.topo,
        etcdAddress: flags['etcd-address'],
        vtCommand: selfCommand(),
        mysqlTemplateRoot: flags['mysql-template-root'],
        progress,
        signal: abort.signal,
      });
      state = r.state;
      progress(`cluster ${r.mode === 'restarted' ? 'restarted' : 'up'} in ${seconds(r.ms)}`);
    } catch (e) {
      const err = VtError.from(e);
      if (process.env['VT_DEBUG']) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
      process.stderr.write(`Error: vt up: ${err.message || err.code}\n`);
      this.exit(1);
    } finally {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    }
    this.log(summary(state));
  }
}

function summary(s: ClusterState): string {
  const lines = [
    '',
    `Cluster running in ${s.root} (record: ${path.join(s.root, 'cluster.json')}, logs: ${path.join(s.root, 'logs')})`,
    '',
    'Connect:',
    `  mysql -h 127.0.0.1 -P ${s.ports.gateMysql} ${s.keyspaces[0]?.name ?? ''}`.trimEnd(),
    `  mariadb -h 127.0.0.1 -P ${s.ports.gateMysql} ${s.keyspaces[0]?.name ?? ''}`.trimEnd(),
    `  (databases are keyspaces: ${s.keyspaces.map((k) => k.name).join(', ')}; USE ks:shard or ks@replica to target)`,
    '',
    `Gate: MySQL 127.0.0.1:${s.ports.gateMysql}, HTTP http://127.0.0.1:${s.ports.gateHttp}/debug/vars`,
    'Tablets:',
    ...s.tablets.map(
      (t) =>
        `  ${t.alias}  ${`${t.keyspace}/${t.shard}`.padEnd(16)} ${t.role.padEnd(8)} http ${t.httpPort}  rpc ${t.grpcPort}  mysqld ${t.mysqlPort}`,
    ),
    ...(s.topo.implementation === 'etcd'
      ? [`Topology: etcd ${s.topo.serverAddress} ${s.topo.root}`]
      : [`Topology: ${s.topo.root}`]),
    '',
    'Point vt ctl at it:',
    `  export ${Object.entries(s.env)
      .map(([k, v]) => `${k}=${shellQuote(v)}`)
      .join(' ')}`,
    '  vt ctl get-tablets',
    '',
    `Stop: vt down --root ${shellQuote(s.root)} [--clean]`,
  ];
  return lines.join('\n');
}

function shellQuote(v: string): string {
  return /^[A-Za-z0-9_./:,=@-]+$/.test(v) ? v : `'${v.replace(/'/g, `'\\''`)}'`;
}
