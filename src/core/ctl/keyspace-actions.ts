import { Err, isReason } from '../errors/index.js';
import { DURABILITY_POLICIES, newKeyspace, type DurabilityPolicy, type Keyspace } from '../topo/records/keyspace.js';
import type { TopoServer } from '../topo/topo-server.js';
import { rebuildVSchemaGraph } from './graph-actions.js';

export interface KeyspaceInfo {
  readonly name: string;
  readonly keyspace: Keyspace;
}

export interface CreateKeyspaceOptions {
  readonly durabilityPolicy?: string;
  readonly sidecarDbName?: string;
  /** Succeed (returning the existing record) when the keyspace already exists. */
  readonly force?: boolean;
}

/**
 * Creates a keyspace as Vitess's CreateKeyspace does: the Keyspace record, an empty VSchema if none exists,
 * then a SrvVSchema rebuild in every registered cell so gates see the new keyspace. ALREADY_EXISTS without
 * `force`.
 */
export async function createKeyspace(
  ts: TopoServer,
  name: string,
  opts: CreateKeyspaceOptions = {},
): Promise<KeyspaceInfo> {
  const policy = opts.durabilityPolicy ?? 'none';
  if (!(DURABILITY_POLICIES as readonly string[]).includes(policy)) {
    throw Err.invalidArgument(`invalid durability policy "${policy}" (want ${DURABILITY_POLICIES.join(', ')})`);
  }
  const sidecar = opts.sidecarDbName ?? '_vt';
  if (!/^[A-Za-z0-9_$]{1,64}$/.test(sidecar)) throw Err.invalidArgument(`invalid sidecar database name "${sidecar}"`);
  const keyspace = newKeyspace({ durability_policy: policy as DurabilityPolicy, sidecar_db_name: sidecar });
  try {
    await ts.createKeyspace(name, keyspace);
  } catch (e) {
    if (!(opts.force && isReason(e, 'NodeExists'))) throw e;
    return { name, keyspace: await ts.getKeyspace(name) };
  }
  await ts.getVSchema(name).catch(async (e: unknown) => {
    if (!isReason(e, 'NoNode')) throw e;
    await ts.saveVSchema(name, {});
  });
  await rebuildVSchemaGraph(ts);
  return { name, keyspace };
}

export async function getKeyspace(ts: TopoServer, name: string): Promise<KeyspaceInfo> {
  return { name, keyspace: await ts.getKeyspace(name) };
}

export async function getKeyspaces(ts: TopoServer): Promise<KeyspaceInfo[]> {
  const names = await ts.getKeyspaceNames();
  return Promise.all(names.map((n) => getKeyspace(ts, n)));
}

/**
 * Deletes a keyspace (with `recursive`: its shards, tablets, serving records and VSchema too; without it,
 * FAILED_PRECONDITION while shards exist), then rebuilds the SrvVSchema so gates forget it.
 */
export async function deleteKeyspace(ts: TopoServer, name: string, opts: { recursive?: boolean } = {}): Promise<void> {
  await ts.deleteKeyspace(name, opts);
  await rebuildVSchemaGraph(ts);
}
