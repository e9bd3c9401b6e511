import { readFileSync } from 'node:fs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Err } from '../errors/index.js';
import type { OpenTopoOptions } from '../topo/topo-factory.js';
import type { KeyspaceSpec, PlannedTabletRole } from './cluster-plan.js';

export type ProcessRole = 'etcd' | 'mysqld' | 'tablet' | 'gate';

/**
 * A background process of the cluster. It is ours only while its /proc command line still contains every
 * string in `match` (so a recycled pid is never signalled).
 */
export interface ProcessRecord {
  readonly name: string;
  readonly role: ProcessRole;
  readonly pid: number;
  readonly argv: readonly string[];
  readonly match: readonly string[];
  readonly log: string;
  readonly pidFile: string;
  /** mysqld only: the tablet uid (its datadir is vt_<uid>, stopped through mysqlctl). */
  readonly uid?: number;
}

export interface TabletRecord {
  readonly alias: string;
  readonly uid: number;
  readonly keyspace: string;
  readonly shard: string;
  readonly role: PlannedTabletRole;
  readonly httpPort: number;
  readonly grpcPort: number;
  readonly mysqlPort: number;
}

/** How `vt ctl` (and every process of the cluster) reaches the topology, as the VT_TOPO_* variables say it. */
export interface TopoSettings {
  readonly implementation: 'local' | 'etcd';
  /** local: the store directory; etcd: the global key prefix. */
  readonly root: string;
  /** etcd only: client address(es). */
  readonly serverAddress?: string;
  /** etcd only: true when `vt up` started this etcd (and `vt down` stops it). */
  readonly managedEtcd?: boolean;
}

/**
 * ROOT/cluster.json: everything `vt down`, a second `vt up` and the user need to find the cluster. Written
 * as soon as the first process starts (status 'starting') and after each further one, so a `vt up` that is
 * itself killed still leaves a record `vt down` can act on.
 */
export interface ClusterState {
  readonly version: 1;
  readonly root: string;
  readonly status: 'starting' | 'up' | 'stopped';
  readonly startedAt: string;
  readonly cell: string;
  readonly topo: TopoSettings;
  /** Environment that points `vt` commands at this cluster's topology. */
  readonly env: Readonly<Record<string, string>>;
  readonly ports: {
    readonly gateMysql: number;
    readonly gateHttp: number;
    readonly etcdClient?: number;
    readonly etcdPeer?: number;
  };
  readonly keyspaces: readonly KeyspaceSpec[];
  readonly tablets: readonly TabletRecord[];
  readonly processes: readonly ProcessRecord[];
}

export const CLUSTER_FILE = 'cluster.json';

export function clusterFile(root: string): string {
  return path.join(root, CLUSTER_FILE);
}

/** Reads ROOT/cluster.json; undefined when absent. Throws FAILED_PRECONDITION when it exists but is unreadable. */
export async function readClusterState(root: string): Promise<ClusterState | undefined> {
  const file = clusterFile(root);
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw Err.failedPrecondition(`cannot read ${file}: ${(e as Error).message}`);
  }
  let state: unknown;
  try {
    state = JSON.parse(text);
  } catch (e) {
    throw Err.failedPrecondition(`${file} is not valid JSON (${(e as Error).message}); remove it by hand`);
  }
  const s = state as Partial<ClusterState> | null;
  if (s === null || typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.processes)) {
    throw Err.failedPrecondition(`${file} is not a vt cluster record (version 1); remove it by hand`);
  }
  return s as ClusterState;
}

/** Writes ROOT/cluster.json atomically (temp file + rename), so readers never see half a record. */
export async function writeClusterState(state: ClusterState): Promise<void> {
  const file = clusterFile(state.root);
  const tmp = `${file}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  await writeFile(tmp, `${JSON.stringify(state, null, 2)}\n`);
  await rename(tmp, file);
}

/**
 * The topology a cluster in `root` uses, from its cluster.json, for `vt` commands given only VTDATAROOT (the
 * etcd address is not derivable from the root). Undefined when there is no readable record. Synchronous
 * because flag defaults are computed synchronously.
 */
export function recordedTopoOptions(root: string): OpenTopoOptions | undefined {
  let s: Partial<ClusterState>;
  try {
    s = JSON.parse(readFileSync(clusterFile(root), 'utf8')) as Partial<ClusterState>;
  } catch {
    return undefined;
  }
  const t = s.topo;
  if (s.version !== 1 || t === undefined || typeof t.root !== 'string') return undefined;
  if (t.implementation === 'local') return { implementation: 'local', root: t.root };
  if (t.implementation === 'etcd' && typeof t.serverAddress === 'string') {
    return { implementation: 'etcd', root: t.root, serverAddress: t.serverAddress };
  }
  return undefined;
}
