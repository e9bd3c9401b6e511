import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Env } from '../../src/core/env/env.js';
import { silentLogger } from '../../src/core/env/logger.js';
import type { Mysqld } from '../../src/core/mysqlctl/index.js';
import { RpcClient } from '../../src/core/rpc/index.js';
import { QueryService, TabletManagerService } from '../../src/core/tablet/query-service.js';
import { tabletConfig, type TabletConfig } from '../../src/core/tablet/tablet-config.js';
import { TabletServer } from '../../src/core/tablet/tablet-server.js';
import { initShardPrimary } from '../../src/core/ctl/init-shard-primary.js';
import type { TabletTarget, TabletType } from '../../src/core/tablet/tablet-target.js';
import { openTopoServer } from '../../src/core/topo/open-topo-server.js';
import { formatTabletAlias } from '../../src/core/topo/records/tablet-alias.js';
import type { TopoServer } from '../../src/core/topo/topo-server.js';
import { startMysqlds, type StartedMysqlds } from './mysqld.js';
import { defaultDbConfigs } from '../../src/core/mysqlctl/index.js';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const devEntry = path.join(repoRoot, 'bin', 'dev.js');

/** Tablets of one shard. */
export interface ShardLayout {
  readonly keyspace: string;
  readonly shard: string;
  readonly tablets: number;
}

export interface TabletClusterOptions {
  /**
   * Shards and their tablet counts; tablets are numbered (index, uid) in this order. Default: one shard
   * `keyspace`/`shard` (test_ks/0) of `count` (3) tablets.
   */
  readonly layout?: readonly ShardLayout[];
  readonly count?: number;
  readonly keyspace?: string;
  readonly shard?: string;
  readonly cell?: string;
  readonly baseUid?: number;
  /** Indexes of tablets run as real `vt tablet` processes (node bin/dev.js); the others run in this process. */
  readonly processes?: readonly number[];
  /** Extra `vt tablet` flags per process tablet index. */
  readonly processFlags?: Readonly<Record<number, readonly string[]>>;
  /** Config overrides per in-process tablet index. */
  readonly inProcessConfig?: Readonly<Record<number, Partial<TabletConfig>>>;
  /** StreamHealth repeat period of in-process tablets; default 500 ms. */
  readonly healthIntervalMs?: number;
}

export interface ClusterTablet {
  readonly index: number;
  readonly keyspace: string;
  readonly shard: string;
  readonly uid: number;
  /** "zone1-0000000100" */
  readonly alias: string;
  readonly mysqld: Mysqld;
  readonly rpcPort: number;
  readonly httpPort: number;
  /** Set for process tablets. */
  readonly proc?: ChildProcess;
  /** Set for in-process tablets. */
  readonly server?: TabletServer;
  /** Log file of a process tablet. */
  readonly logFile?: string;
}

export interface VtRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Shards of real tablets for e2e suites: one mysqld per tablet (all started in parallel) and the tablets
 * registered in a local topology under a temp VTDATAROOT (cell zone1), some as `vt tablet` processes, the rest
 * in-process TabletServers. Every tablet starts as a replica: elect with `electPrimaries()` (first tablet of each
 * shard, in-process ctl action) or `cluster.vt('ctl', 'init-shard-primary', ...)`. Call `stop()` in afterAll:
 * it SIGTERMs the processes, stops servers and mysqlds and removes the data root.
 */
export class TabletCluster {
  readonly clients: RpcClient[] = [];

  private readonly processFlags = new Map<number, readonly string[]>();

  private constructor(
    readonly dataRoot: string,
    readonly topoRoot: string,
    readonly layout: readonly ShardLayout[],
    readonly topo: TopoServer,
    readonly mysqlds: StartedMysqlds,
    readonly tablets: ClusterTablet[],
    readonly env: Env,
  ) {}

  static async start(o: TabletClusterOptions = {}): Promise<TabletCluster> {
    const layout = o.layout ?? [{ keyspace: o.keyspace ?? 'test_ks', shard: o.shard ?? '0', tablets: o.count ?? 3 }];
    const slots = layout.flatMap((l) => Array.from({ length: l.tablets }, () => l));
    const count = slots.length;
    const cell = o.cell ?? 'zone1';
    const baseUid = o.baseUid ?? 100;
    const dataRoot = await mkdtemp(path.join(os.tmpdir(), 'vt-tablet-cluster-'));
    const env: Env = { logger: silentLogger, dataRoot };
    const topoRoot = path.join(dataRoot, 'topo');
    let mysqlds: StartedMysqlds | undefined;
    let topo: TopoServer | undefined;
    const tablets: ClusterTablet[] = [];
    try {
      const started = Promise.all([
        startMysqlds(count, { dataRoot, baseUid, env }),
        (async () => {
          const ts = await openTopoServer({ implementation: 'local', root: topoRoot }, env);
          await ts.createCellInfo(cell, { server_address: '', root: `/vitess/${cell}` });
          return ts;
        })(),
      ]);
      [mysqlds, topo] = await started;
      const ts = topo;
      const cluster = new TabletCluster(dataRoot, topoRoot, layout, ts, mysqlds, tablets, env);
      const made = await Promise.allSettled(
        mysqlds.instances.map((m, index) =>
          (o.processes ?? []).includes(index)
            ? cluster.startProcess(index, slots[index]!, m, cell, o.processFlags?.[index] ?? [])
            : cluster.startInProcess(
                index,
                slots[index]!,
                m,
                cell,
                o.inProcessConfig?.[index] ?? {},
                o.healthIntervalMs ?? 500,
              ),
        ),
      );
      for (const r of made) if (r.status === 'fulfilled') tablets.push(r.value);
      tablets.sort((a, b) => a.index - b.index);
      const failed = made.find((r): r is PromiseRejectedResult => r.status === 'rejected');
      if (failed) {
        await cluster.stop();
        throw failed.reason;
      }
      return cluster;
    } catch (err) {
      if (tablets.length === 0) {
        await mysqlds?.stopAll();
        await topo?.close();
        await rm(dataRoot, { recursive: true, force: true });
      }
      throw err;
    }
  }

  /** Topology flags for `vt ctl` against this cluster. */
  get topoFlags(): string[] {
    return ['--topo-implementation', 'local', '--topo-root', this.topoRoot];
  }

  /** Runs `node bin/dev.js <args>` (ctl verbs get the topology flags appended). */
  vt(...args: string[]): Promise<VtRun> {
    const full = args[0] === 'ctl' ? [...args, ...this.topoFlags] : args;
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [devEntry, ...full],
        { cwd: repoRoot, env: { ...process.env, VTDATAROOT: this.dataRoot }, timeout: 60_000, maxBuffer: 16 << 20 },
        (err, stdout, stderr) => {
          const status = (err as { code?: unknown } | null)?.code;
          resolve({ code: err === null ? 0 : typeof status === 'number' ? status : -1, stdout, stderr });
        },
      );
    });
  }

  /** The first layout entry's keyspace/shard unless given. */
  target(tabletType: TabletType, shard = this.layout[0]!.shard, keyspace = this.layout[0]!.keyspace): TabletTarget {
    return { keyspace, shard, tabletType };
  }

  /** Elects the first tablet of every shard with the init-shard-primary action (in-process); returns their indexes. */
  async electPrimaries(): Promise<number[]> {
    const firsts: number[] = [];
    for (const l of this.layout) {
      const t = this.tablets.find((x) => x.keyspace === l.keyspace && x.shard === l.shard)!;
      await initShardPrimary(this.topo, `${l.keyspace}/${l.shard}`, t.alias);
      firsts.push(t.index);
    }
    return firsts;
  }

  /** An RPC client to tablet `i` (closed by stop()). */
  client(i: number): RpcClient {
    const c = new RpcClient(this.env, { host: '127.0.0.1', port: this.tablets[i]!.rpcPort });
    this.clients.push(c);
    return c;
  }

  query(i: number) {
    return QueryService.client(this.client(i));
  }

  manager(i: number) {
    return TabletManagerService.client(this.client(i));
  }

  /**
   * Restarts process tablet `i` with the same flags: SIGTERM (resolves its exit code), then a new process.
   * The cluster's entry for it is replaced (new pid and ports).
   */
  async restartProcess(i: number): Promise<number | null> {
    const t = this.tablets[i]!;
    if (!t.proc) throw new Error(`tablet ${i} is not a process tablet`);
    const code = await stopProcess(t.proc);
    const cell = t.alias.slice(0, t.alias.lastIndexOf('-'));
    this.tablets[i] = await this.startProcess(i, t, t.mysqld, cell, this.processFlags.get(i) ?? []);
    return code;
  }

  async stop(): Promise<void> {
    for (const c of this.clients) c.close();
    await Promise.allSettled(
      this.tablets.map(async (t) => {
        if (t.server) await t.server.stop();
        if (t.proc) await stopProcess(t.proc);
      }),
    );
    await this.mysqlds.stopAll();
    await this.topo.close().catch(() => undefined);
    await rm(this.dataRoot, { recursive: true, force: true });
  }

  private async startInProcess(
    index: number,
    where: { readonly keyspace: string; readonly shard: string },
    m: Mysqld,
    cell: string,
    config: Partial<TabletConfig>,
    healthIntervalMs: number,
  ): Promise<ClusterTablet> {
    const server = new TabletServer({
      env: this.env,
      topo: this.topo,
      alias: { cell, uid: m.uid },
      keyspace: where.keyspace,
      shard: where.shard,
      initTabletType: 'replica',
      hostname: '127.0.0.1',
      bindAddress: '127.0.0.1',
      httpPort: 0,
      grpcPort: 0,
      mysqlHost: '127.0.0.1',
      mysqlPort: m.port,
      mysqlSocket: m.paths.socket,
      dbConfigs: defaultDbConfigs(),
      config: tabletConfig(config),
      healthIntervalMs,
    });
    await server.start();
    const { keyspace, shard } = where;
    return {
      index,
      keyspace,
      shard,
      uid: m.uid,
      alias: server.alias,
      mysqld: m,
      rpcPort: server.rpcPort,
      httpPort: server.httpPort,
      server,
    };
  }

  private startProcess(
    index: number,
    where: { readonly keyspace: string; readonly shard: string },
    m: Mysqld,
    cell: string,
    extra: readonly string[],
  ): Promise<ClusterTablet> {
    this.processFlags.set(index, extra);
    const logFile = path.join(this.dataRoot, `tablet-${m.uid}.log`);
    const args = [
      devEntry,
      'tablet',
      '--tablet-path',
      `${cell}-${m.uid}`,
      '--init-keyspace',
      where.keyspace,
      '--init-shard',
      where.shard,
      '--init-tablet-type',
      'replica',
      '--hostname',
      '127.0.0.1',
      '--bind-address',
      '127.0.0.1',
      '--port',
      '0',
      '--grpc-port',
      '0',
      '--mysql-port',
      String(m.port),
      '--db-socket',
      m.paths.socket,
      '--log-file',
      logFile,
      ...this.topoFlags,
      ...extra,
    ];
    const proc = spawn(process.execPath, args, {
      cwd: repoRoot,
      env: { ...process.env, VTDATAROOT: this.dataRoot },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    return new Promise((resolve, reject) => {
      let stderr = '';
      const timer = setTimeout(() => {
        proc.kill('SIGKILL');
        reject(new Error(`vt tablet ${cell}-${m.uid} did not start within 60 s: ${stderr}`));
      }, 60_000);
      proc.stderr!.on('data', (d: Buffer) => {
        stderr += d.toString();
        const match = /started: rpc (\d+), http (\d+)/.exec(stderr);
        if (match) {
          clearTimeout(timer);
          resolve({
            index,
            keyspace: where.keyspace,
            shard: where.shard,
            uid: m.uid,
            alias: formatTabletAlias({ cell, uid: m.uid }),
            mysqld: m,
            rpcPort: Number(match[1]),
            httpPort: Number(match[2]),
            proc,
            logFile,
          });
        }
      });
      proc.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`vt tablet ${cell}-${m.uid} exited with ${code}: ${stderr}`));
      });
    });
  }
}

/** SIGTERM, then SIGKILL after 15 s; resolves with the exit code (null when killed by a signal). */
export function stopProcess(proc: ChildProcess): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return Promise.resolve(proc.exitCode);
  return new Promise((resolve) => {
    const timer = setTimeout(() => proc.kill('SIGKILL'), 15_000);
    proc.once('exit', (code) => {
      clearTimeout(timer);
      resolve(code);
    });
    proc.kill('SIGTERM');
  });
}
