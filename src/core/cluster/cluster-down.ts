import { rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { Env } from '../env/env.js';
import { Err, isReason, VtError } from '../errors/index.js';
import { Mysqld } from '../mysqlctl/mysqld.js';
import { openTopoServer } from '../topo/open-topo-server.js';
import type { OpenTopoOptions } from '../topo/topo-factory.js';
import type { TopoServer } from '../topo/topo-server.js';
import {
  clusterFile,
  readClusterState,
  writeClusterState,
  type ClusterState,
  type ProcessRecord,
} from './cluster-state.js';
import { isRecordedProcessAlive, stopRecordedProcess, type StopResult } from './process-supervisor.js';

/** How long a tablet or the gate gets to drain after SIGTERM before SIGKILL. */
const SERVER_GRACE_MS = 15_000;
const MYSQLD_SHUTDOWN_MS = 60_000;

/** The recorded processes that are still running (and still ours). */
export async function liveProcesses(state: ClusterState): Promise<ProcessRecord[]> {
  const alive = await Promise.all(state.processes.map((p) => isRecordedProcessAlive(p)));
  return state.processes.filter((_, i) => alive[i]);
}

/**
 * Stops every recorded process in dependency order: the gate, then all tablets (SIGTERM, drain, SIGKILL after
 * 15 s), then all mysqlds (clean InnoDB shutdown through mysqlctl), then a managed etcd. Each group is stopped
 * in parallel; a failure in one process does not stop the others from being stopped, and all failures are
 * reported together (INTERNAL) at the end.
 */
export async function stopClusterProcesses(state: ClusterState, env: Env): Promise<StopResult[]> {
  const results: StopResult[] = [];
  const errors: string[] = [];
  for (const role of ['gate', 'tablet', 'mysqld', 'etcd'] as const) {
    const group = state.processes.filter((p) => p.role === role);
    const settled = await Promise.allSettled(group.map((p) => stopOne(p, state.root, env)));
    settled.forEach((r, i) => {
      if (r.status === 'fulfilled') results.push(r.value);
      else errors.push(`${group[i]!.name}: ${VtError.from(r.reason).message}`);
    });
  }
  if (errors.length > 0) throw Err.internal(`could not stop: ${errors.join('; ')}`);
  return results;
}

async function stopOne(p: ProcessRecord, root: string, env: Env): Promise<StopResult> {
  if (p.role !== 'mysqld' || p.uid === undefined) return stopRecordedProcess(p, SERVER_GRACE_MS);
  // mysqlctl knows the instance by its pid file and my.cnf; fall back to the record if the datadir is gone.
  const m = new Mysqld({ uid: p.uid, env, dataRoot: root });
  const r = await m.shutdown({ timeoutMs: MYSQLD_SHUTDOWN_MS });
  if (r.wasRunning) return { name: p.name, wasRunning: true, killed: r.killed };
  return stopRecordedProcess(p, MYSQLD_SHUTDOWN_MS);
}

/**
 * Removes what a cluster created besides its logs: the mysqld directories, the local topology store or the
 * managed etcd's data, the pid files and cluster.json. Its processes must be stopped first. Used when a
 * `vt up` fails half-way and when a new `vt up` takes over a root whose cluster is no longer running.
 */
export async function discardClusterData(state: ClusterState, env: Env): Promise<void> {
  for (const t of state.tablets) await rm(path.join(state.root, 'logs', `mysqld-${t.uid}.log`), { force: true });
  for (const p of state.processes) {
    if (p.role === 'mysqld' && p.uid !== undefined) {
      await new Mysqld({ uid: p.uid, env, dataRoot: state.root }).teardown({ timeoutMs: MYSQLD_SHUTDOWN_MS });
    }
  }
  // Tablets whose mysqld never got recorded (init failed half-way cleans itself up; this is belt and braces).
  for (const t of state.tablets) {
    await new Mysqld({ uid: t.uid, env, dataRoot: state.root }).teardown({ timeoutMs: MYSQLD_SHUTDOWN_MS });
  }
  if (state.topo.implementation === 'local') await rm(state.topo.root, { recursive: true, force: true });
  if (state.topo.implementation === 'etcd' && !state.topo.managedEtcd) await removeTopologyRecords(state, env);
  if (state.topo.managedEtcd) await rm(path.join(state.root, 'etcd'), { recursive: true, force: true });
  // The cell's local store lives beside the global one (cellTopoOptions): ROOT/vitess/<cell>.
  await rm(path.join(state.root, 'vitess'), { recursive: true, force: true });
  await rm(path.join(state.root, 'pids'), { recursive: true, force: true });
  await rm(clusterFile(state.root), { force: true });
}

/**
 * An etcd that `vt up` did not start outlives the cluster: delete the keyspaces (recursively: shards, tablets,
 * serving graphs, VSchemas) and the cell this cluster registered there, so a retry does not trip over them.
 * Best effort: failures are logged, not thrown.
 */
async function removeTopologyRecords(state: ClusterState, env: Env): Promise<void> {
  const options: OpenTopoOptions = {
    implementation: 'etcd',
    root: state.topo.root,
    ...(state.topo.serverAddress === undefined ? {} : { serverAddress: state.topo.serverAddress }),
  };
  let ts: TopoServer | undefined;
  try {
    ts = await openTopoServer(options, env);
    for (const ks of state.keyspaces) {
      await ts.deleteKeyspace(ks.name, { recursive: true }).catch((e: unknown) => {
        if (!isReason(e, 'NoNode') && VtError.from(e).code !== 'NOT_FOUND') throw e;
      });
    }
    await ts.deleteCellInfo(state.cell).catch((e: unknown) => {
      if (!isReason(e, 'NoNode') && VtError.from(e).code !== 'NOT_FOUND') throw e;
    });
  } catch (e) {
    env.logger.warn({ err: VtError.from(e).message }, 'vt: could not remove the cluster from the external etcd');
  } finally {
    await ts?.close().catch(() => undefined);
  }
}

export interface DownResult {
  readonly root: string;
  readonly found: boolean;
  readonly stopped: readonly StopResult[];
  readonly removed: boolean;
}

/**
 * `vt down`: stops everything ROOT/cluster.json records and marks the record stopped; with `clean`, deletes
 * the whole root afterwards (and, on an etcd `vt up` did not start, this cluster's keyspaces and cell). A root without cluster.json is left alone (NOT_FOUND), so `--clean` can never
 * delete a directory that is not a vt cluster; a root that does not exist at all is already down.
 */
export async function downCluster(root: string, env: Env, o: { clean?: boolean } = {}): Promise<DownResult> {
  try {
    await stat(root);
  } catch {
    return { root, found: false, stopped: [], removed: false };
  }
  const state = await readClusterState(root);
  if (state === undefined) {
    throw Err.notFound(`no cluster recorded in ${root} (no ${clusterFile(root)}); nothing to stop`);
  }
  const stopped = await stopClusterProcesses(state, env);
  if (o.clean) {
    if (state.topo.implementation === 'etcd' && !state.topo.managedEtcd) await removeTopologyRecords(state, env);
    await rm(root, { recursive: true, force: true });
    return { root, found: true, stopped, removed: true };
  }
  // A record of a vt up that never finished stays 'starting', so the next vt up discards it instead of restarting it.
  await writeClusterState({ ...state, status: state.status === 'starting' ? 'starting' : 'stopped' });
  return { root, found: true, stopped, removed: false };
}
