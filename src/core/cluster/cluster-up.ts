import { mkdir, rmdir, stat, symlink } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../env/env.js';
import { Err, VtError } from '../errors/index.js';
import { Mysqld } from '../mysqlctl/mysqld.js';
import { openTopoServer } from '../topo/open-topo-server.js';
import type { OpenTopoOptions } from '../topo/topo-factory.js';
import type { TopoServer } from '../topo/topo-server.js';
import { discardClusterData, liveProcesses, stopClusterProcesses } from './cluster-down.js';
import { launchEtcd, launchGate, launchTablet, type LaunchContext } from './cluster-launchers.js';
import { planCluster, type KeyspaceSpec } from './cluster-plan.js';
import { applySchemas, createTopologyRecords, electPrimaries, prefixed, rebuildGraphs } from './cluster-provision.js';
import {
  clusterFile,
  readClusterState,
  writeClusterState,
  type ClusterState,
  type ProcessRecord,
  type TabletRecord,
} from './cluster-state.js';
import { allocatePorts, checkRecordedPorts } from './cluster-ports.js';
import { acquireRootLock } from './root-lock.js';
import { checkRootIsFree } from './root-check.js';
import { resolveKeyspaces, type KeyspaceSchema } from './schema-source.js';

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
  /** Human progress lines ("2 mysqld(s) running ..."). */
  readonly progress?: (line: string) => void;
  readonly signal?: AbortSignal | undefined;
}

export interface UpResult {
  readonly state: ClusterState;
  readonly ms: number;
  /** "gate MySQL 15306 -> 40123" for each default port that was taken. */
  readonly movedPorts: readonly string[];
  /** 'created' a new cluster, or 'restarted' the one recorded in the root (its data kept). */
  readonly mode: 'created' | 'restarted';
}

/**
 * `vt up`: starts a whole local cluster in the background and returns once every shard serves through the
 * gate. A new cluster: topology (local store, or etcd), cell, keyspaces and shards; all mysqlds in parallel;
 * all tablets; InitShardPrimary per shard; SQL files and VSchema per keyspace; serving graphs; the gate.
 *
 * An existing root: refused (FAILED_PRECONDITION) while any recorded process still runs. A cluster that came
 * up completely before (status up or stopped, all processes dead: after `vt down` or a reboot) is restarted
 * with its recorded layout, ports and data; the layout flags are then ignored. A record of a `vt up` that
 * never finished is discarded and a new cluster made.
 *
 * On failure every process started by this call is stopped. A new cluster's data is removed too (its logs
 * are kept), so a retry starts afresh; a restarted cluster keeps its data and record. The error names the
 * step and the process, with the tail of its log.
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
    const existed = await stat(o.root).then(
      () => true,
      () => false,
    );
    await mkdir(o.root, { recursive: true });
    let lock: { release(): Promise<void> } | undefined;
    try {
      lock = await acquireRootLock(o.root);
      return await this.runLocked();
    } catch (e) {
      await lock?.release();
      lock = undefined;
      // Bad arguments must not leave an empty root behind (rmdir only removes an empty directory).
      if (!existed) await rmdir(o.root).catch(() => undefined);
      throw e;
    } finally {
      await lock?.release();
    }
  }

  private async runLocked(): Promise<UpResult> {
    const o = this.o;
    const prior = await readClusterState(o.root);
    if (prior !== undefined) {
      const live = await liveProcesses(prior);
      if (live.length > 0) {
        throw Err.failedPrecondition(
          `a cluster is already ${prior.status === 'starting' ? 'starting' : 'running'} in ${o.root} ` +
            `(${live.map((p) => `${p.name} pid ${p.pid}`).join(', ')}); run vt down --root ${o.root} first`,
        );
      }
      if (prior.status !== 'starting') return this.restart(prior);
      this.say(`${clusterFile(o.root)} records a vt up that never finished: discarding it`);
      await discardClusterData(prior, o.env);
    }
    return this.create();
  }

  private async create(): Promise<UpResult> {
    const o = this.o;
    const { keyspaces, schemas } = await resolveKeyspaces(o.keyspaces, o.schemaDir);
    const plan = planCluster({
      cell: o.cell,
      keyspaces,
      replicas: o.replicas,
      rdonly: o.rdonly,
      portBase: o.portBase,
      ...(o.gateMysqlPort === undefined ? {} : { gateMysqlPort: o.gateMysqlPort }),
    });
    await checkRootIsFree(o.root);
    const { state, moved } = await allocatePorts(plan, {
      root: o.root,
      topo: o.topo,
      etcdAddress: o.etcdAddress,
      gateMysqlPortRequired: o.gateMysqlPort !== undefined,
      say: this.say,
    });
    this.state = state;
    await this.guard('new', () => this.start(schemas));
    return { state: this.state, ms: Date.now() - this.started, movedPorts: moved, mode: 'created' };
  }

  private async restart(prior: ClusterState): Promise<UpResult> {
    const o = this.o;
    if (o.keyspaces.length > 0 || o.schemaDir !== undefined) {
      this.say(
        'restarting the cluster recorded in this root: --keyspace/--schema-dir are ignored (vt down --clean for a new one)',
      );
    }
    this.say(`restarting the cluster recorded in ${clusterFile(o.root)} (${prior.tablets.length} tablets, data kept)`);
    await checkRecordedPorts(prior);
    this.state = { ...prior, status: 'starting', startedAt: new Date().toISOString(), processes: [] };
    await this.guard('restart', () => this.start(undefined));
    return { state: this.state, ms: Date.now() - this.started, movedPorts: [], mode: 'restarted' };
  }

  /** Runs the start-up; on failure stops what was started and (for a new cluster) removes its data. */
  private async guard(kind: 'new' | 'restart', fn: () => Promise<void>): Promise<void> {
    try {
      await fn();
    } catch (e) {
      let err = VtError.from(e);
      if (this.o.signal?.aborted) err = new VtError('CANCELED', 'vt up was interrupted', { cause: err });
      this.say('vt up failed; stopping what was started');
      const stopped = await this.tearDown(kind);
      const after = stopped
        ? kind === 'new'
          ? `nothing was left running; logs are in ${path.join(this.o.root, 'logs')}`
          : `nothing was left running; the cluster's data is kept (vt up retries, vt down --clean removes it)`
        : `some processes could not be stopped: run vt down --root ${this.o.root}`;
      throw new VtError(err.code, `${err.message}\n${after}`, { cause: err });
    } finally {
      await this.ts?.close().catch(() => undefined);
    }
  }

  /**
   * Starts every process of `this.state`. With `schemas` (a new cluster) it also creates the topology records,
   * initialises the mysqlds, elects primaries and applies the schemas; without, it restarts existing ones.
   */
  private async start(schemas: readonly KeyspaceSchema[] | undefined): Promise<void> {
    const o = this.o;
    const s = this.state;
    const fresh = schemas !== undefined;
    await mkdir(path.join(o.root, 'logs'), { recursive: true });
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
    if (fresh) {
      await createTopologyRecords(ts, s);
      this.say(
        `topology (${s.topo.implementation}) has cell ${s.cell}, keyspaces ${s.keyspaces.map(ksText).join(' ')}`,
      );
    }
    this.checkAborted();

    await this.allTablets('mysqld', (t) => this.startMysqld(t, fresh));
    this.say(`${s.tablets.length} mysqld(s) running (ports ${s.tablets.map((t) => t.mysqlPort).join(', ')})`);
    this.checkAborted();

    await this.allTablets('tablet', (t) => launchTablet(ctx, ts, t, (p) => this.record(p.record)));
    this.say(`${s.tablets.length} tablet(s) ${fresh ? 'registered' : 'restarted'}`);
    this.checkAborted();

    if (fresh) {
      await electPrimaries(ts, s, this.say);
      this.checkAborted();
      await applySchemas(ts, schemas, this.say);
    }
    await rebuildGraphs(ts, s);
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

  /** Initialises (new cluster) or starts (restart) one tablet's mysqld and records it. */
  private async startMysqld(t: TabletRecord, fresh: boolean): Promise<void> {
    const o = this.o;
    const m = new Mysqld({
      uid: t.uid,
      env: o.env,
      dataRoot: o.root,
      port: t.mysqlPort,
      ...(o.mysqlTemplateRoot === undefined ? {} : { templateRoot: o.mysqlTemplateRoot }),
    });
    let pid: number;
    try {
      pid = fresh ? (await m.init({ timeoutMs: 60_000 })).pid : await m.start({ timeoutMs: 60_000 });
    } catch (e) {
      throw prefixed(`mysqld for tablet ${t.alias} (port ${t.mysqlPort})`, e);
    }
    // mysqld keeps its error log in its own directory (as Vitess lays it out); logs/ points at it.
    await symlink(m.paths.errorLog, path.join(o.root, 'logs', `mysqld-${t.uid}.log`)).catch(() => undefined);
    await this.record({
      name: `mysqld-${t.uid}`,
      role: 'mysqld',
      pid,
      argv: ['mariadbd', `--defaults-file=${m.paths.cnf}`],
      match: [`--defaults-file=${m.paths.cnf}`],
      log: m.paths.errorLog,
      pidFile: m.paths.pidFile,
      uid: t.uid,
    });
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

  /** Stops what this call started; false when something survived (cluster.json is then kept for vt down). */
  private async tearDown(kind: 'new' | 'restart'): Promise<boolean> {
    await this.writing.catch(() => undefined);
    try {
      await stopClusterProcesses(this.state, this.o.env);
    } catch (e) {
      this.o.env.logger.error({ err: VtError.from(e).message }, 'vt up: teardown could not stop everything');
      return false;
    }
    if (kind === 'restart') {
      await writeClusterState({ ...this.state, status: 'stopped', processes: [] });
      return true;
    }
    await discardClusterData(this.state, this.o.env).catch((e: unknown) =>
      this.o.env.logger.warn({ err: VtError.from(e).message }, 'vt up: could not remove all cluster data'),
    );
    return true;
  }
}

function withoutTopoEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !k.startsWith('VT_TOPO_') && k !== 'VTDATAROOT'));
}

function ksText(ks: KeyspaceSpec): string {
  return `${ks.name}:${ks.shards.join(',')}`;
}

/** ms -> "12.3 s". */
export function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}
