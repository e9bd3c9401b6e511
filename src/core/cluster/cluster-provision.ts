import { addCellInfo } from '../ctl/cell-actions.js';
import { rebuildKeyspaceGraph, rebuildVSchemaGraph } from '../ctl/graph-actions.js';
import { initShardPrimary } from '../ctl/init-shard-primary.js';
import { createKeyspace } from '../ctl/keyspace-actions.js';
import { applySchema } from '../ctl/tablet-rpc-actions.js';
import { applyVSchema } from '../ctl/vschema-actions.js';
import { VtError } from '../errors/index.js';
import type { TopoServer } from '../topo/topo-server.js';
import type { ClusterState } from './cluster-state.js';
import type { KeyspaceSchema } from './schema-source.js';

/*
 * The one-time steps of a new cluster, done in-process through src/core/ctl (what `vt ctl add-cell-info`,
 * `create-keyspace`, `create-shard`, `init-shard-primary`, `apply-schema` and `apply-vschema` run). A restarted
 * cluster skips them: its topology, primaries and schema are already there.
 */

/** Registers the cell and creates every keyspace and shard. Fails ALREADY_EXISTS on a used topology. */
export async function createTopologyRecords(ts: TopoServer, s: ClusterState): Promise<void> {
  const serverAddress = s.topo.implementation === 'etcd' ? (s.topo.serverAddress ?? '') : '';
  await addCellInfo(ts, s.cell, { server_address: serverAddress, root: `/vitess/${s.cell}` });
  for (const ks of s.keyspaces) {
    await createKeyspace(ts, ks.name);
    for (const shard of ks.shards) await ts.createShard(ks.name, shard);
  }
}

/** InitShardPrimary on every shard (in parallel) with its planned primary; errors name the shard. */
export async function electPrimaries(ts: TopoServer, s: ClusterState, say: (line: string) => void): Promise<void> {
  await Promise.all(
    s.keyspaces.flatMap((ks) =>
      ks.shards.map(async (shard) => {
        const primary = s.tablets.find((t) => t.keyspace === ks.name && t.shard === shard && t.role === 'primary');
        if (primary === undefined) throw new VtError('INTERNAL', `no primary planned for ${ks.name}/${shard}`);
        try {
          await initShardPrimary(ts, `${ks.name}/${shard}`, primary.alias);
        } catch (e) {
          throw prefixed(`init-shard-primary ${ks.name}/${shard} ${primary.alias}`, e);
        }
        say(`${ks.name}/${shard}: primary ${primary.alias}`);
      }),
    ),
  );
}

/**
 * Applies each keyspace's SQL files in order on every shard's primary (replicas follow through replication),
 * then its VSchema. Stops at the first failure, naming the file and keyspace; earlier files stay applied.
 */
export async function applySchemas(
  ts: TopoServer,
  schemas: readonly KeyspaceSchema[],
  say: (line: string) => void,
): Promise<void> {
  for (const schema of schemas) {
    for (const f of schema.sqlFiles) {
      try {
        await applySchema(ts, schema.keyspace, f.sql);
      } catch (e) {
        throw prefixed(`applying ${f.name} to keyspace ${schema.keyspace}`, e);
      }
      say(`applied ${f.name} to ${schema.keyspace}`);
    }
    if (schema.vschema !== undefined) {
      try {
        await applyVSchema(ts, schema.keyspace, schema.vschema.json);
      } catch (e) {
        throw prefixed(`applying VSchema ${schema.vschema.name} to keyspace ${schema.keyspace}`, e);
      }
      say(`applied VSchema ${schema.vschema.name} to ${schema.keyspace}`);
    }
  }
}

/** Rewrites every keyspace's SrvKeyspace and the SrvVSchema in all cells, so the gate sees the final state. */
export async function rebuildGraphs(ts: TopoServer, s: ClusterState): Promise<void> {
  for (const ks of s.keyspaces) await rebuildKeyspaceGraph(ts, ks.name);
  await rebuildVSchemaGraph(ts);
}

/** Prefixes an error with the step it came from, keeping code, errno and SQLSTATE. */
export function prefixed(what: string, e: unknown): VtError {
  const err = VtError.from(e);
  return new VtError(err.code, `${what}: ${err.message}`, { errno: err.errno, sqlState: err.sqlState, cause: err });
}
