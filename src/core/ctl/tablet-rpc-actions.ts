import { Err, VtError } from '../errors/index.js';
import { RpcClient, type ServiceClient } from '../rpc/index.js';
import type { QueryResult } from '../sqltypes/index.js';
import type { FullStatus, SchemaDefinition } from '../tablet/query-service.js';
import { TabletManagerService } from '../tablet/query-service.js';
import { parseTabletTypeArg } from '../tablet/state-manager.js';
import type { Tablet } from '../topo/records/tablet.js';
import { formatTabletAlias, parseTabletAlias } from '../topo/records/tablet-alias.js';
import type { TopoServer } from '../topo/topo-server.js';

export type TabletManagerClient = ServiceClient<typeof TabletManagerService.methods>;

/** Default deadline of one tablet manager call from ctl. */
export const TABLET_RPC_TIMEOUT_MS = 30_000;

/** "zone1-0000000100 (host:port)" for error messages. */
export function describeTablet(t: Tablet): string {
  return `${formatTabletAlias(t.alias)} (${t.hostname}:${t.port_map.grpc ?? '?'})`;
}

/** Prefixes a failure with the tablet it came from, keeping code/errno/SQLSTATE. */
export function tabletError(t: Tablet, err: unknown): VtError {
  const e = VtError.from(err);
  return new VtError(e.code, `tablet ${describeTablet(t)}: ${e.message}`, {
    errno: e.errno,
    sqlState: e.sqlState,
    ...(e.reason === undefined ? {} : { reason: e.reason }),
    cause: e,
  });
}

/**
 * Runs `fn` with a TabletManager client connected to the tablet's record address (hostname + grpc port),
 * closing the connection afterwards. Errors are prefixed with the tablet (tabletError).
 */
export async function withTabletManager<T>(
  ts: TopoServer,
  tablet: Tablet,
  fn: (tm: TabletManagerClient) => Promise<T>,
): Promise<T> {
  const port = tablet.port_map.grpc;
  if (!port) throw Err.failedPrecondition(`tablet ${formatTabletAlias(tablet.alias)} has no grpc port in its record`);
  const client = new RpcClient(ts.env, { host: tablet.hostname || 'localhost', port });
  try {
    return await fn(TabletManagerService.client(client));
  } catch (err) {
    throw tabletError(tablet, err);
  } finally {
    client.close();
  }
}

async function onTablet<T>(
  ts: TopoServer,
  alias: string,
  fn: (tm: TabletManagerClient, t: Tablet) => Promise<T>,
): Promise<T> {
  const tablet = await ts.getTablet(parseTabletAlias(alias));
  return withTabletManager(ts, tablet, (tm) => fn(tm, tablet));
}

const call = { timeoutMs: TABLET_RPC_TIMEOUT_MS };

/** Round-trips a Ping; resolves to the round-trip time. */
export function pingTablet(ts: TopoServer, alias: string): Promise<{ tablet: string; ms: number }> {
  return onTablet(ts, alias, async (tm, t) => {
    const started = process.hrtime.bigint();
    const payload = `ping ${Date.now()}`;
    const r = await tm.Ping({ payload }, call);
    if (r.payload !== payload)
      throw Err.internal(`Ping returned ${JSON.stringify(r.payload)}, expected ${JSON.stringify(payload)}`);
    return { tablet: formatTabletAlias(t.alias), ms: Number(process.hrtime.bigint() - started) / 1e6 };
  });
}

export function getTabletSchema(ts: TopoServer, alias: string, tables?: readonly string[]): Promise<SchemaDefinition> {
  return onTablet(ts, alias, (tm) => tm.GetSchema(tables && tables.length > 0 ? { tables } : {}, call));
}

export function executeFetchAsDba(
  ts: TopoServer,
  alias: string,
  sql: string,
  o: { maxRows?: number; disableBinlogs?: boolean; reloadSchema?: boolean } = {},
): Promise<QueryResult> {
  return onTablet(ts, alias, (tm) => tm.ExecuteFetchAsDba({ sql, ...o }, call));
}

export function executeFetchAsApp(
  ts: TopoServer,
  alias: string,
  sql: string,
  o: { maxRows?: number } = {},
): Promise<QueryResult> {
  return onTablet(ts, alias, (tm) => tm.ExecuteFetchAsApp({ sql, ...o }, call));
}

/**
 * Changes a tablet's type through the tablet (which updates its record). Making a tablet primary is refused
 * (use init-shard-primary); a dry run only validates and reports. Returns the type before and after.
 */
export async function changeTabletType(
  ts: TopoServer,
  alias: string,
  type: string,
  o: { dryRun?: boolean } = {},
): Promise<{ tablet: string; before: string; after: string; dryRun: boolean }> {
  const to = parseTabletTypeArg(type);
  if (to === 'primary') throw Err.invalidArgument('change-tablet-type cannot make a primary: use init-shard-primary');
  const tablet = await ts.getTablet(parseTabletAlias(alias));
  const before = tablet.type;
  if (before === 'PRIMARY') {
    throw Err.failedPrecondition(
      `tablet ${formatTabletAlias(tablet.alias)} is a primary; reparent before changing its type`,
    );
  }
  const after = to.toUpperCase();
  if (!o.dryRun) await withTabletManager(ts, tablet, (tm) => tm.ChangeType({ tabletType: to }, call));
  return { tablet: formatTabletAlias(tablet.alias), before, after, dryRun: o.dryRun === true };
}

export function getFullStatus(ts: TopoServer, alias: string): Promise<FullStatus> {
  return onTablet(ts, alias, (tm) => tm.FullStatus({}, call));
}

export interface ApplySchemaShardResult {
  readonly shard: string;
  readonly primary: string;
  /** Tables whose definition changed, appeared or disappeared. */
  readonly changedTables: readonly string[];
}

/**
 * Runs the statements on the primary of every shard of the keyspace, shards in parallel (replicas get them
 * through replication). Fails if a shard has no primary (before running anything) or if any shard fails; the
 * error then lists each failed shard with its tablet and which shards succeeded.
 */
export async function applySchema(
  ts: TopoServer,
  keyspace: string,
  sql: string,
  o: { disableBinlogs?: boolean } = {},
): Promise<ApplySchemaShardResult[]> {
  if (sql.trim() === '') throw Err.invalidArgument('apply-schema: no SQL given');
  await ts.getKeyspace(keyspace);
  const shards = (await ts.getShardNames(keyspace)).sort();
  if (shards.length === 0) throw Err.failedPrecondition(`keyspace ${keyspace} has no shards`);
  const primaries = await Promise.all(
    shards.map(async (shard) => {
      const s = await ts.getShard(keyspace, shard);
      if (!s.primary_alias)
        throw Err.failedPrecondition(`shard ${keyspace}/${shard} has no primary; run init-shard-primary first`);
      return { shard, tablet: await ts.getTablet(s.primary_alias) };
    }),
  );
  const results = await Promise.allSettled(
    primaries.map(({ shard, tablet }) =>
      withTabletManager(ts, tablet, async (tm) => {
        const r = await tm.ApplySchema({ sql, ...(o.disableBinlogs ? { disableBinlogs: true } : {}) }, call);
        const before = new Map(r.beforeSchema.tableDefinitions.map((t) => [t.name, t.schema]));
        const after = new Map(r.afterSchema.tableDefinitions.map((t) => [t.name, t.schema]));
        const names = new Set([...before.keys(), ...after.keys()]);
        const changedTables = [...names].filter((n) => before.get(n) !== after.get(n)).sort();
        return { shard, primary: formatTabletAlias(tablet.alias), changedTables };
      }),
    ),
  );
  const failed = results.flatMap((r, i) =>
    r.status === 'rejected' ? [`${keyspace}/${primaries[i]!.shard}: ${VtError.from(r.reason).message}`] : [],
  );
  if (failed.length > 0) {
    const ok = results.flatMap((r, i) => (r.status === 'fulfilled' ? [primaries[i]!.shard] : []));
    const first = VtError.from((results.find((r) => r.status === 'rejected') as PromiseRejectedResult).reason);
    throw new VtError(
      first.code,
      `apply-schema failed on ${failed.length} of ${shards.length} shard(s): ${failed.join('; ')}` +
        (ok.length > 0 ? `; succeeded on: ${ok.join(', ')}` : ''),
      { errno: first.errno, sqlState: first.sqlState },
    );
  }
  return results.map((r) => (r as PromiseFulfilledResult<ApplySchemaShardResult>).value);
}
