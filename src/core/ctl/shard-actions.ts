import { Err, isReason } from '../errors/index.js';
import type { Shard } from '../topo/records/shard.js';
import type { TopoServer } from '../topo/topo-server.js';
import { createKeyspace } from './keyspace-actions.js';

export interface ShardInfo {
  readonly keyspace: string;
  readonly name: string;
  readonly shard: Shard;
}

/** Splits "ks/shard" (Vitess's keyspace/shard argument form); INVALID_ARGUMENT otherwise. */
export function parseKeyspaceShard(text: string): { keyspace: string; shard: string } {
  const slash = text.indexOf('/');
  if (slash <= 0 || slash === text.length - 1 || text.indexOf('/', slash + 1) >= 0) {
    throw Err.invalidArgument(`invalid keyspace/shard "${text}": expected <keyspace>/<shard>, e.g. customer/-80`);
  }
  return { keyspace: text.slice(0, slash), shard: text.slice(slash + 1) };
}

export interface CreateShardActionOptions {
  /** Succeed (returning the existing record) when the shard already exists. */
  readonly force?: boolean;
  /** Create the keyspace first (with defaults, as create-keyspace) when it does not exist. */
  readonly includeParent?: boolean;
}

/** Creates a shard; refuses key ranges overlapping an existing shard (see TopoServer.createShard). */
export async function createShard(
  ts: TopoServer,
  keyspaceShard: string,
  opts: CreateShardActionOptions = {},
): Promise<ShardInfo> {
  const { keyspace, shard } = parseKeyspaceShard(keyspaceShard);
  if (opts.includeParent) await createKeyspace(ts, keyspace, { force: true });
  try {
    return { keyspace, name: shard, shard: await ts.createShard(keyspace, shard) };
  } catch (e) {
    if (!(opts.force && isReason(e, 'NodeExists'))) throw e;
    return { keyspace, name: shard, shard: await ts.getShard(keyspace, shard) };
  }
}

export async function getShard(ts: TopoServer, keyspaceShard: string): Promise<ShardInfo> {
  const { keyspace, shard } = parseKeyspaceShard(keyspaceShard);
  return { keyspace, name: shard, shard: await ts.getShard(keyspace, shard) };
}

export interface DeleteShardsOptions {
  /** Also delete the shards' tablets (else FAILED_PRECONDITION while tablets exist). */
  readonly recursive?: boolean;
  /** Delete even when a cell's SrvKeyspace still routes to the shard (else FAILED_PRECONDITION). */
  readonly evenIfServing?: boolean;
}

/** Deletes shards in order; stops at the first failure (earlier deletions stay done). */
export async function deleteShards(
  ts: TopoServer,
  shards: readonly string[],
  opts: DeleteShardsOptions = {},
): Promise<void> {
  if (shards.length === 0) throw Err.invalidArgument('no shards given (expected <keyspace>/<shard> ...)');
  const parsed = shards.map(parseKeyspaceShard);
  for (const { keyspace, shard } of parsed) {
    await ts.getShard(keyspace, shard);
    if (!opts.evenIfServing) {
      for (const cell of await ts.getCellInfoNames()) {
        const srv = await ts.getSrvKeyspace(cell, keyspace).catch((e: unknown) => {
          if (isReason(e, 'NoNode')) return undefined;
          throw e;
        });
        const serving = srv?.partitions.some((p) => p.shard_references.some((r) => r.name === shard));
        if (serving) {
          throw Err.failedPrecondition(
            `shard ${keyspace}/${shard} is still serving in cell ${cell} (its SrvKeyspace references it); use --even-if-serving to delete it anyway`,
          );
        }
      }
    }
    await ts.deleteShard(keyspace, shard, { recursive: opts.recursive ?? false });
  }
}
