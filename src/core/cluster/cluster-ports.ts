import path from 'node:path';
import { Err } from '../errors/index.js';
import type { ClusterPlan } from './cluster-plan.js';
import type { ClusterState, TabletRecord, TopoSettings } from './cluster-state.js';
import { isPortFree, PortAllocator } from './port-allocator.js';

export interface AllocateOptions {
  readonly root: string;
  readonly topo: 'local' | 'etcd';
  readonly etcdAddress?: string | undefined;
  /** The gate's MySQL port was given explicitly: fail instead of moving it. */
  readonly gateMysqlPortRequired: boolean;
  readonly say: (line: string) => void;
}

/**
 * Turns a plan into the initial cluster record: every planned port, or a free one when it is taken (reported
 * through `say` and returned in `moved`), and the topology settings.
 */
export async function allocatePorts(
  plan: ClusterPlan,
  o: AllocateOptions,
): Promise<{ state: ClusterState; moved: string[] }> {
  const ports = new PortAllocator();
  const moved: string[] = [];
  const take = async (wanted: number, what: string, required = false): Promise<number> => {
    const a = await ports.allocate(wanted, what, { required });
    if (a.moved) {
      moved.push(`${what} ${a.wanted} -> ${a.port}`);
      o.say(`default port taken: ${what} ${a.wanted} -> ${a.port}`);
    }
    return a.port;
  };
  const gateMysql = await take(plan.gateMysqlPort, 'gate MySQL', o.gateMysqlPortRequired);
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

/**
 * A restarted cluster keeps its recorded ports (mysqld's is in its my.cnf, the tablets' in the topology):
 * fails UNAVAILABLE listing every one that is now taken, before anything starts.
 */
export async function checkRecordedPorts(s: ClusterState): Promise<void> {
  const wanted: [number, string][] = [
    [s.ports.gateMysql, 'gate MySQL'],
    [s.ports.gateHttp, 'gate HTTP'],
    ...s.tablets.flatMap((t): [number, string][] => [
      [t.httpPort, `tablet ${t.uid} HTTP`],
      [t.grpcPort, `tablet ${t.uid} RPC`],
      [t.mysqlPort, `mysqld ${t.uid}`],
    ]),
    ...(s.topo.managedEtcd && s.ports.etcdClient !== undefined && s.ports.etcdPeer !== undefined
      ? ([
          [s.ports.etcdClient, 'etcd client'],
          [s.ports.etcdPeer, 'etcd peer'],
        ] as [number, string][])
      : []),
  ];
  const taken: string[] = [];
  for (const [port, what] of wanted) if (!(await isPortFree(port))) taken.push(`${what} ${port}`);
  if (taken.length > 0) {
    throw Err.unavailable(
      `cannot restart the cluster in ${s.root}: its recorded ports are in use (${taken.join(', ')}); ` +
        `free them, or vt down --root ${s.root} --clean and start a new one`,
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
