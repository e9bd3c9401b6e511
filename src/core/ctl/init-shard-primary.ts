import { Err, VtError } from '../errors/index.js';
import { parseShardName } from '../key/key-range.js';
import type { Tablet } from '../topo/records/tablet.js';
import { formatTabletAlias, parseTabletAlias, tabletAliasEqual } from '../topo/records/tablet-alias.js';
import type { TopoServer } from '../topo/topo-server.js';
import { rebuildKeyspaceGraph } from './graph-actions.js';
import { parseKeyspaceShard } from './shard-actions.js';
import { TABLET_RPC_TIMEOUT_MS, withTabletManager } from './tablet-rpc-actions.js';

export interface InitShardPrimaryOptions {
  /** Proceed even though the shard already has a different primary. */
  readonly force?: boolean;
  /** How long each replica may take to show the reparent journal row; default 30 s. */
  readonly waitReplicasTimeoutMs?: number;
}

export interface InitShardPrimaryResult {
  readonly keyspace: string;
  readonly shard: string;
  readonly primary: string;
  readonly position: string;
  readonly primaryTermStartTime: string;
  readonly replicas: readonly string[];
}

/**
 * Vitess's InitShardPrimary for a new shard: under the shard lock, makes `alias` the primary (InitPrimary:
 * writable, no source, type PRIMARY with a new term), points every other tablet of the shard at it from its
 * position (InitReplica) while the primary writes the reparent journal row, and waits until each replica has
 * that row (proof that it replicates from the new primary). Then records primary_alias,
 * primary_term_start_time and is_primary_serving in the Shard record and rebuilds the keyspace's SrvKeyspace.
 *
 * Refuses (FAILED_PRECONDITION) a shard that already has a different primary unless `force`; fails when a
 * tablet of the shard is unreachable, naming it. Errors from tablets name the tablet and keep its error code.
 */
export async function initShardPrimary(
  ts: TopoServer,
  keyspaceShard: string,
  electAlias: string,
  o: InitShardPrimaryOptions = {},
): Promise<InitShardPrimaryResult> {
  const { keyspace, shard } = parseKeyspaceShard(keyspaceShard);
  parseShardName(shard);
  const elect = parseTabletAlias(electAlias);
  const electName = formatTabletAlias(elect);
  const lock = await ts.lockShard(keyspace, shard, `InitShardPrimary(${electName})`);
  let result: InitShardPrimaryResult;
  try {
    const shardRecord = await ts.getShard(keyspace, shard);
    const tablets = await ts.getTabletsByShard(keyspace, shard);
    const primary = tablets.find((t) => tabletAliasEqual(t.alias, elect));
    if (!primary) {
      throw Err.invalidArgument(
        `tablet ${electName} is not in shard ${keyspace}/${shard} (tablets: ${tablets.map((t) => formatTabletAlias(t.alias)).join(', ') || 'none'})`,
      );
    }
    if (shardRecord.primary_alias && !tabletAliasEqual(shardRecord.primary_alias, elect) && !o.force) {
      throw Err.failedPrecondition(
        `shard ${keyspace}/${shard} already has primary ${formatTabletAlias(shardRecord.primary_alias)}; use --force to elect ${electName} anyway (or a reparent)`,
      );
    }
    const replicas = tablets.filter((t) => t !== primary);
    // Every tablet must answer before anything changes: a half-initialised shard is worse than none.
    await all(tablets, (t) =>
      withTabletManager(ts, t, (tm) => tm.Ping({ payload: 'InitShardPrimary' }, { timeoutMs: 10_000 })),
    );

    const { position, primaryTermStartTime } = await withTabletManager(ts, primary, (tm) =>
      tm.InitPrimary({}, { timeoutMs: TABLET_RPC_TIMEOUT_MS }),
    );
    const timeCreatedNs = BigInt(Date.now()) * 1_000_000n;
    const waitMs = o.waitReplicasTimeoutMs ?? 30_000;
    await all([primary, ...replicas], (t) =>
      withTabletManager(ts, t, (tm) =>
        t === primary
          ? tm.PopulateReparentJournal(
              { timeCreatedNs, actionName: 'InitShardPrimary', primaryAlias: electName, position },
              { timeoutMs: TABLET_RPC_TIMEOUT_MS },
            )
          : tm.InitReplica(
              {
                primaryAlias: electName,
                host: primary.mysql_hostname || primary.hostname,
                port: primary.mysql_port,
                position,
                timeCreatedNs,
                waitTimeoutMs: waitMs,
              },
              { timeoutMs: waitMs + TABLET_RPC_TIMEOUT_MS },
            ),
      ),
    );
    await ts.updateShardFields(keyspace, shard, (s) => ({
      ...s,
      primary_alias: elect,
      primary_term_start_time: primaryTermStartTime,
      is_primary_serving: true,
    }));
    result = {
      keyspace,
      shard,
      primary: electName,
      position,
      primaryTermStartTime,
      replicas: replicas.map((t) => formatTabletAlias(t.alias)),
    };
  } finally {
    await lock.unlock();
  }
  await rebuildKeyspaceGraph(ts, keyspace);
  return result;
}

/** Runs `fn` on every tablet concurrently; fails after all settle, naming every tablet that failed. */
async function all(tablets: readonly Tablet[], fn: (t: Tablet) => Promise<unknown>): Promise<void> {
  const results = await Promise.allSettled(tablets.map(fn));
  const errors = results.flatMap((r) => (r.status === 'rejected' ? [VtError.from(r.reason)] : []));
  if (errors.length === 0) return;
  if (errors.length === 1) throw errors[0]!;
  const first = errors[0]!;
  throw new VtError(
    first.code,
    `${errors.length} of ${tablets.length} tablets failed: ${errors.map((e) => e.message).join('; ')}`,
    {
      errno: first.errno,
      sqlState: first.sqlState,
    },
  );
}
