import { Err, isReason } from '../errors/index.js';
import { compareKeyRanges, keyRangeString, type KeyRange } from '../key/key-range.js';
import type { SrvKeyspace } from '../topo/records/srv-keyspace.js';
import { SERVING_TABLET_TYPES } from '../topo/records/tablet-type.js';
import type { TopoServer } from '../topo/topo-server.js';
import { buildSrvVSchema } from '../vschema/build-srv-vschema.js';
import type { KeyspaceVSchema, SrvVSchema } from '../vschema/vschema.js';
import { resolveCells } from './cell-actions.js';

/**
 * Builds a keyspace's serving graph from its shards: one partition per serving tablet type (PRIMARY,
 * REPLICA, RDONLY) listing every shard with is_primary_serving, in key order. Fails FAILED_PRECONDITION
 * when the serving shards leave a gap or overlap (Vitess's contiguity check) or when none is serving.
 */
export async function buildSrvKeyspace(ts: TopoServer, keyspace: string): Promise<SrvKeyspace> {
  const names = await ts.getShardNames(keyspace);
  const shards = await Promise.all(names.map(async (name) => ({ name, shard: await ts.getShard(keyspace, name) })));
  const serving = shards
    .filter((s) => s.shard.is_primary_serving)
    .sort((a, b) => compareKeyRanges(a.shard.key_range, b.shard.key_range));
  if (serving.length === 0) throw Err.failedPrecondition(`keyspace ${keyspace} has no serving shards`);
  for (let i = 1; i < serving.length; i++) {
    const prev: KeyRange | null = serving[i - 1]!.shard.key_range;
    const cur: KeyRange | null = serving[i]!.shard.key_range;
    if (prev === null || cur === null || prev.end === '' || prev.end !== cur.start) {
      throw Err.failedPrecondition(
        `keyspace ${keyspace}: serving shards are not contiguous: ${serving[i - 1]!.name} (${keyRangeString(prev)}) then ${serving[i]!.name} (${keyRangeString(cur)})`,
      );
    }
  }
  const refs = serving.map((s) => ({ name: s.name, key_range: s.shard.key_range }));
  return { partitions: SERVING_TABLET_TYPES.map((t) => ({ served_type: t, shard_references: refs })) };
}

/**
 * Writes the keyspace's SrvKeyspace into each given cell (default: all registered cells), under the keyspace
 * lock. Returns the cells written and the record.
 */
export async function rebuildKeyspaceGraph(
  ts: TopoServer,
  keyspace: string,
  opts: { cells?: readonly string[] } = {},
): Promise<{ cells: string[]; srvKeyspace: SrvKeyspace }> {
  await ts.getKeyspace(keyspace);
  const cells = await resolveCells(ts, opts.cells);
  const lock = await ts.lockKeyspace(keyspace, 'RebuildKeyspaceGraph');
  try {
    const srv = await buildSrvKeyspace(ts, keyspace);
    for (const cell of cells) await ts.updateSrvKeyspace(cell, keyspace, srv);
    return { cells, srvKeyspace: srv };
  } finally {
    await lock.unlock();
  }
}

/** Builds the SrvVSchema from every keyspace's VSchema plus routing rules (missing VSchemas default). */
export async function buildCurrentSrvVSchema(ts: TopoServer): Promise<SrvVSchema> {
  const names = await ts.getKeyspaceNames();
  const vschemas: Record<string, KeyspaceVSchema | undefined> = {};
  for (const ks of names) {
    vschemas[ks] = await ts.getVSchema(ks).catch((e: unknown) => {
      if (isReason(e, 'NoNode')) return undefined;
      throw e;
    });
  }
  return buildSrvVSchema(vschemas, await ts.getRoutingRules());
}

/**
 * Writes the SrvVSchema into each given cell (default: all registered cells). Safe against concurrent
 * rebuilds (see TopoServer.rebuildSrvVSchema): the last write always reflects the latest inputs.
 */
export async function rebuildVSchemaGraph(
  ts: TopoServer,
  opts: { cells?: readonly string[] } = {},
): Promise<{ cells: string[]; srvVSchema: SrvVSchema }> {
  const cells = await resolveCells(ts, opts.cells);
  if (cells.length === 0) return { cells, srvVSchema: await buildCurrentSrvVSchema(ts) };
  let srv: SrvVSchema | undefined;
  for (const cell of cells) srv = await ts.rebuildSrvVSchema(cell, () => buildCurrentSrvVSchema(ts));
  return { cells, srvVSchema: srv! };
}

/** The keyspace's SrvKeyspace per cell (default: all registered cells); cells without one are omitted. */
export async function getSrvKeyspaces(
  ts: TopoServer,
  keyspace: string,
  cells?: readonly string[],
): Promise<Record<string, SrvKeyspace>> {
  await ts.getKeyspace(keyspace);
  const out: Record<string, SrvKeyspace> = {};
  for (const cell of await resolveCells(ts, cells)) {
    try {
      out[cell] = await ts.getSrvKeyspace(cell, keyspace);
    } catch (e) {
      if (!isReason(e, 'NoNode')) throw e;
    }
  }
  return out;
}

export async function getSrvVSchema(ts: TopoServer, cell: string): Promise<SrvVSchema> {
  await resolveCells(ts, [cell]);
  return ts.getSrvVSchema(cell);
}
