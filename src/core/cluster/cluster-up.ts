import { mkdir, readdir } from 'node:fs/promises';
import path from 'node:path';
import { addCellInfo } from '../ctl/cell-actions.js';
import { rebuildKeyspaceGraph, rebuildVSchemaGraph } from '../ctl/graph-actions.js';
import { initShardPrimary } from '../ctl/init-shard-primary.js';
import { createKeyspace } from '../ctl/keyspace-actions.js';
import { applySchema } from '../ctl/tablet-rpc-actions.js';
import { applyVSchema } from '../ctl/vschema-actions.js';
import type { Env } from '../env/env.js';
import { Err, VtError } from '../errors/index.js';
import { Mysqld } from '../mysqlctl/mysqld.js';
import { openTopoServer } from '../topo/open-topo-server.js';
import type { OpenTopoOptions } from '../topo/topo-factory.js';
import type { TopoServer } from '../topo/topo-server.js';
import { launchEtcd, launchGate, launchTablet, type LaunchContext } from './cluster-launchers.js';
import { discardClusterData, liveProcesses, stopClusterProcesses } from './cluster-down.js';
import { planCluster, type ClusterPlan, type KeyspaceSpec } from './cluster-plan.js';
import {
  clusterFile,
  readClusterState,
  writeClusterState,
  type ClusterState,
  type ProcessRecord,
  type TabletRecord,
  type TopoSettings,
} from './cluster-state.js';
import { commerceDemoSchema } from './demo/commerce-demo.js';
import { PortAllocator } from './port-allocator.js';
import { loadSchemaDir, type KeyspaceSchema } from './schema-source.js';

export interface UpOptions {
  /** Absolute data root; everything the cluster writes goes under it. */
  readonly root: string;
  readonly env: Env;
  readonly cell: string;
  /** Empty: the commerce demo (or, with schemaDir, one unsharded keyspace per subdirectory). */
  readonly keyspaces: readonly KeyspaceSpec[];
  readonly schemaDir?: string | undefined;
  readonly replicas: number;
  readonly rdonly: number;
  readonly portBase: number;
  /** Gate MySQL port; given explicitly it must be free (no fallback). */
  readonly gateMysqlPort?: number | undefined;
  readonly topo: 'local' | 'etcd';
  /** With topo etcd: use this etcd instead of starting one. */
  readonly etcdAddress?: string | undefined;
  /** argv prefix that runs this executable. */
  readonly vtCommand: readonly string[];
  /** Where mysqlctl keeps the initialised datadir template; default the root. */
  readonly mysqlTemplateRoot?: string | undefined;
  /** Human progress lines ("started mysqld 100 on port 17100"). */
  readonly progress?: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
}

export interface UpResult {
  readonly state: ClusterState;
  readonly ms: number;
  /** "gate MySQL 15306 -> 40123" for each default port that was taken. */
  readonly movedPorts: readonly string[];
  /** Set when a stale record of a cluster that no longer ran was taken over (its data discarded). */
  readonly tookOver: boolean;
}

/**
 * `vt up`: starts a whole local cluster in the background and returns once every shard serves through the
 * gate. Steps: topology (local store, or etcd), cell, keyspaces and shards; all mysqlds in parallel; all
 * tablets; InitShardPrimary per shard; SQL files and VSchema per keyspace; serving graphs; the gate.
 *
 * Refuses (FAILED_PRECONDITION) a root whose recorded cluster still has a live process. A record whose
 * processes are all dead is taken over: its data (mysqld dirs, topology) is discarded and a new cluster made.
 * On any failure every process started so far is stopped and the cluster's data removed (logs are kept);
 * the error names the step and the process, with the tail of its log.
 */
export async function upCluster(o: UpOptions): Promise<UpResult> {
  return new ClusterUp(o).run();
}

class ClusterUp {
  private readonly started = Date.now();
  private readonly say: (line: string) => void;
  private state!: ClusterState;
  private ts: TopoServer | undefined;
  private writing: Promise<void> = Promise.resolve();

  constructor(private readonly o: UpOptions) {
    this.say = o.progress ?? (() => undefined);
  }

  async run(): Promise<UpResult> {
    const o = this.o;
    await mkdir(o.root, { recursive: true });
    const tookOver = await this.checkExisting();
    const { keyspaces, schemas } = await this.resolveSchemas();
    const plan = planCluster({
      cell: o.cell,
      keyspaces,
      replicas: o.replicas,
      rdonly: o.rdonly,
      portBase: o.portBase,
      ...(o.gateMysqlPort === undefined ? {} : { gateMysqlPort: o.gateMysqlPort }),
    });
    const { state, moved } = await this.allocate(plan);
    this.state = state;
    try {
      await this.bringUp(schemas);
    } catch (e) {
      const err = VtError.from(e);
      this.say(`vt up failed; stopping what was started`);
      await this.tearDown();
      throw new VtError(
        err.code,
        `${err.message}\nnothing was left running; logs are in ${path.join(o.root, 'logs')}`,
        {
          cause: err,
        },
      );
    } finally {
      await this.ts?.close().catch(() => undefined);
    }
    return { state: this.state, ms: Date.now() - this.started, movedPorts: moved, tookOver };
  }

  /** Refuses a running cluster; takes over (discards) a dead one. */
  private async checkExisting(): Promise<boolean> {
    const prior = await readClusterState(this.o.root);
    if (prior === undefined) return false;
    const live = await liveProcesses(prior);
    if (live.length > 0) {
      throw Err.failedPrecondition(
        `a cluster is already ${prior.status === 'starting' ? 'starting' : 'running'} in ${this.o.root} ` +
          `(${live.map((p) => `${p.name} pid ${p.pid}`).join(', ')}); run vt down --root ${this.o.root} first`,
      );
    }
    if (prior.status !== 'stopped') {
      this.say(`${clusterFile(this.o.root)} records a cluster that is no longer running: taking the root over`);
    }
    await discardClusterData(prior, this.o.env);
    return true;
  }

  private async resolveSchemas(): Promise<{ keyspaces: readonly KeyspaceSpec[]; schemas: KeyspaceSchema[] }> {
    const o = this.o;
    if (o.schemaDir === undefined) {
      if (o.keyspaces.length > 0) return { keyspaces: o.keyspaces, schemas: [] };
      const demo = commerceDemoSchema();
      return { keyspaces: [{ name: demo.keyspace, shards: ['0'] }], schemas: [demo] };
    }
    if (o.keyspaces.length > 0)
      return {
        keyspaces: o.keyspaces,
        schemas: await loadSchemaDir(
          o.schemaDir,
          o.keyspaces.map((k) => k.name),
        ),
      };
    let names: string[];
    try {
      const entries = await readdir(o.schemaDir, { withFileTypes: true });
      names = entries
        .filter((e) => e.isDirectory())
        .map((e) => e.name)
        .sort();
    } catch (e) {
      throw Err.invalidArgument(
        `--schema-dir ${o.schemaDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
      );
    }
    if (names.length === 0) {
      throw Err.invalidArgument(
        `--schema-dir ${o.schemaDir} has no <keyspace> subdirectory (and no --keyspace was given)`,
      );
    }
    const keyspaces = names.map((name) => ({ name, shards: ['0'] }));
    return { keyspaces, schemas: await loadSchemaDir(o.schemaDir, names) };
  }

  /** Picks every port (defaults unless taken) and builds the initial cluster record. */
  private async allocate(plan: ClusterPlan): Promise<{ state: ClusterState; moved: string[] }> {
    const o = this.o;
    const ports = new PortAllocator();
    const moved: string[] = [];
    const take = async (wanted: number, what: string, required = false): Promise<number> => {
      const a = await ports.allocate(wanted, what, { required });
      if (a.moved) {
        moved.push(`${what} ${a.wanted} -> ${a.port}`);
        this.say(`default port taken: ${what} ${a.wanted} -> ${a.port}`);
      }
      return a.port;
    };
    const gateMysql = await take(plan.gateMysqlPort, 'gate MySQL', o.gateMysqlPort !== undefined);
    const gateHttp = await take(plan.gateHttpPort, 'gate HTTP');
    const tablets: TabletRecord[] = [];
    for (const t of plan.tablets) {
      tablets.push({
        alias: t.alias,
        uid: t.uid,
        keyspace: t.keyspace,
        shard: t.shard,
        role: t.role,
        httpPort: await take(t.httpPort, `tablet ${t.uid} HTTP`),
        grpcPort: await take(t.grpcPort, `tablet ${t.uid} RPC`),
        mysqlPort: await take(t.mysqlPort, `mysqld ${t.uid}`),
      });
    }
    const managedEtcd = o.topo === 'etcd' && o.etcdAddress === undefined;
    const etcdClient = managedEtcd ? await take(plan.etcdClientPort, 'etcd client') : undefined;
    const etcdPeer = managedEtcd ? await take(plan.etcdPeerPort, 'etcd peer') : undefined;
    const topo: TopoSettings =
      o.topo === 'local'
        ? { implementation: 'local', root: path.join(o.root, 'topo') }
        : {
            implementation: 'etcd',
            root: '/vitess/global',
            serverAddress: o.etcdAddress ?? `127.0.0.1:${etcdClient}`,
            managedEtcd,
          };
    const state: ClusterState = {
      version: 1,
      root: o.root,
      status: 'starting',
      startedAt: new Date().toISOString(),
      cell: plan.cell,
      topo,
      env: topoEnv(o.root, topo),
      ports: { gateMysql, gateHttp, ...(etcdClient ? { etcdClient, etcdPeer } : {}) },
      keyspaces: plan.keyspaces,
      tablets,
      processes: [],
    };
    return { state, moved };
  }

  private async bringUp(schemas: readonly KeyspaceSchema[]): Promise<void> {
    const o = this.o;
    const s = this.state;
    await writeClusterState(s);
    const childEnv: NodeJS.ProcessEnv = { ...withoutTopoEnv(process.env), ...s.env };
    const ctx: LaunchContext = { root: o.root, vtCommand: o.vtCommand, childEnv, signal: o.signal };

    if (s.topo.managedEtcd) {
      await launchEtcd(ctx, { client: s.ports.etcdClient!, peer: s.ports.etcdPeer! }, (p) => this.record(p.record));
      this.say(`etcd serving on ${s.topo.serverAddress}`);
    }
    const topoOptions: OpenTopoOptions =
      s.topo.implementation === 'local'
        ? { implementation: 'local', root: s.topo.root }
        : { implementation: 'etcd', root: s.topo.root, serverAddress: s.topo.serverAddress! };
    const ts = await openTopoServer(topoOptions, o.env);
    this.ts = ts;
    const etcdCell = s.topo.implementation === 'etcd' ? (s.topo.serverAddress ?? '') : '';
    await addCellInfo(ts, s.cell, { server_address: etcdCell, root: `/vitess/${s.cell}` });
    for (const ks of s.keyspaces) {
      await createKeyspace(ts, ks.name);
      for (const shard of ks.shards) await ts.createShard(ks.name, shard);
    }
    this.say(`topology (${s.topo.implementation}) has cell ${s.cell}, keyspaces ${s.keyspaces.map(ksText).join(' ')}`);
    this.checkAborted();

    await this.allTablets('mysqld', async (t) => {
      const m = new Mysqld({
        uid: t.uid,
        env: o.env,
        dataRoot: o.root,
        port: t.mysqlPort,
        ...(o.mysqlTemplateRoot === undefined ? {} : { templateRoot: o.mysqlTemplateRoot }),
      });
      let r;
      try {
        r = await m.init({ timeoutMs: 60_000 });
      } catch (e) {
        throw prefixed(`mysqld for tablet ${t.alias} (port ${t.mysqlPort})`, e);
      }
      await this.record({
        name: `mysqld-${t.uid}`,
        role: 'mysqld',
        pid: r.pid,
        argv: ['mariadbd', `--defaults-file=${m.paths.cnf}`],
        match: [`--defaults-file=${m.paths.cnf}`],
        log: m.paths.errorLog,
        pidFile: m.paths.pidFile,
        uid: t.uid,
      });
    });
    this.say(`${s.tablets.length} mysqld(s) running (ports ${s.tablets.map((t) => t.mysqlPort).join(', ')})`);
    this.checkAborted();

    await this.allTablets('tablet', (t) => launchTablet(ctx, ts, t, (p) => this.record(p.record)));
    this.say(`${s.tablets.length} tablet(s) registered`);

    await Promise.all(
      s.keyspaces.flatMap((ks) =>
        ks.shards.map(async (shard) => {
          const primary = s.tablets.find((t) => t.keyspace === ks.name && t.shard === shard && t.role === 'primary')!;
          try {
            await initShardPrimary(ts, `${ks.name}/${shard}`, primary.alias);
          } catch (e) {
            throw prefixed(`init-shard-primary ${ks.name}/${shard} ${primary.alias}`, e);
          }
          this.say(`${ks.name}/${shard}: primary ${primary.alias}`);
        }),
      ),
    );
    this.checkAborted();

    for (const schema of schemas) {
      for (const f of schema.sqlFiles) {
        try {
          await applySchema(ts, schema.keyspace, f.sql);
        } catch (e) {
          throw prefixed(`applying ${f.name} to keyspace ${schema.keyspace}`, e);
        }
        this.say(`applied ${f.name} to ${schema.keyspace}`);
      }
      if (schema.vschema !== undefined) {
        try {
          await applyVSchema(ts, schema.keyspace, schema.vschema.json);
        } catch (e) {
          throw prefixed(`applying VSchema ${schema.vschema.name} to keyspace ${schema.keyspace}`, e);
        }
        this.say(`applied VSchema ${schema.vschema.name} to ${schema.keyspace}`);
      }
    }
    for (const ks of s.keyspaces) await rebuildKeyspaceGraph(ts, ks.name);
    await rebuildVSchemaGraph(ts);
    this.checkAborted();

    await launchGate(
      ctx,
      { cell: s.cell, mysqlPort: s.ports.gateMysql, httpPort: s.ports.gateHttp, keyspaces: s.keyspaces },
      (p) => this.record(p.record),
    );
    await this.writing;
    this.state = { ...this.state, status: 'up' };
    await writeClusterState(this.state);
  }

  /** Runs `fn` for every tablet in parallel; fails after all settle, naming each failure. */
  private async allTablets(what: string, fn: (t: TabletRecord) => Promise<unknown>): Promise<void> {
    const results = await Promise.allSettled(this.state.tablets.map(fn));
    const failed = results.flatMap((r) => (r.status === 'rejected' ? [VtError.from(r.reason)] : []));
    if (failed.length === 0) return;
    const first = failed[0]!;
    if (failed.length === 1) throw first;
    throw new VtError(
      first.code,
      `${failed.length} ${what} failures:\n${failed.map((e) => `- ${e.message}`).join('\n')}`,
    );
  }

  /** Adds a started process to the record; writes are serialised so the file always ends with the latest state. */
  private record(p: ProcessRecord): Promise<void> {
    this.state = { ...this.state, processes: [...this.state.processes, p] };
    this.writing = this.writing.catch(() => undefined).then(() => writeClusterState(this.state));
    return this.writing;
  }

  private checkAborted(): void {
    if (this.o.signal?.aborted) throw new VtError('CANCELED', 'vt up was interrupted');
  }

  private async tearDown(): Promise<void> {
    try {
      await stopClusterProcesses(this.state, this.o.env);
    } catch (e) {
      this.o.env.logger.error({ err: VtError.from(e).message }, 'vt up: teardown could not stop everything');
      // Keep cluster.json: it is what `vt down` needs to finish the job.
      return;
    }
    await discardClusterData(this.state, this.o.env).catch((e: unknown) =>
      this.o.env.logger.warn({ err: VtError.from(e).message }, 'vt up: could not remove all cluster data'),
    );
  }
}

/** Environment variables that point `vt` commands (and the cluster's own processes) at this topology. */
export function topoEnv(root: string, topo: TopoSettings): Record<string, string> {
  if (topo.implementation === 'local') {
    return { VTDATAROOT: root, VT_TOPO_IMPLEMENTATION: 'local', VT_TOPO_ROOT: topo.root };
  }
  return {
    VTDATAROOT: root,
    VT_TOPO_IMPLEMENTATION: 'etcd',
    VT_TOPO_GLOBAL_SERVER_ADDRESS: topo.serverAddress ?? '',
    VT_TOPO_GLOBAL_ROOT: topo.root,
  };
}

function withoutTopoEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('VT_TOPO_') && k !== 'VTDATAROOT'));
}

function ksText(ks: KeyspaceSpec): string {
  return `${ks.name}:${ks.shards.join(',')}`;
}

function prefixed(what: string, e: unknown): VtError {
  const err = VtError.from(e);
  return new VtError(err.code, `${what}: ${err.message}`, { errno: err.errno, sqlState: err.sqlState, cause: err });
}

/** ms -> "12.3 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
