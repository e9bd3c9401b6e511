import { Err } from '../errors/index.js';
import type { Tablet } from '../topo/records/tablet.js';
import { formatTabletAlias, parseTabletAlias, tabletAliasEqual } from '../topo/records/tablet-alias.js';
import type { TopoServer } from '../topo/topo-server.js';
import { resolveCells } from './cell-actions.js';

/** One tablet by alias ("zone1-100"); NOT_FOUND naming the cell when the cell is not registered. */
export async function getTablet(ts: TopoServer, alias: string): Promise<Tablet> {
  const parsed = parseTabletAlias(alias);
  await resolveCells(ts, [parsed.cell]);
  return ts.getTablet(parsed);
}

export interface TabletFilter {
  readonly keyspace?: string;
  /** Only with keyspace. */
  readonly shard?: string;
  readonly cells?: readonly string[];
  /** Exact tablets; excludes the other filters (as Vitess). */
  readonly tabletAliases?: readonly string[];
}

/**
 * Tablets matching the filter, sorted by cell then uid. With aliases, each must exist (NOT_FOUND). Cells
 * named in the filter must be registered.
 */
export async function getTablets(ts: TopoServer, filter: TabletFilter = {}): Promise<Tablet[]> {
  if (filter.tabletAliases && filter.tabletAliases.length > 0) {
    if (filter.keyspace || filter.shard || (filter.cells && filter.cells.length > 0)) {
      throw Err.invalidArgument('--tablet-alias cannot be combined with --keyspace, --shard or --cell');
    }
    return Promise.all(filter.tabletAliases.map((a) => getTablet(ts, a)));
  }
  if (filter.shard && !filter.keyspace) throw Err.invalidArgument('--shard requires --keyspace');
  const cells = await resolveCells(ts, filter.cells);
  const perCell = await Promise.all(cells.map((c) => ts.getTabletsByCell(c)));
  return perCell
    .flat()
    .filter((t) => (!filter.keyspace || t.keyspace === filter.keyspace) && (!filter.shard || t.shard === filter.shard))
    .sort((a, b) => (a.alias.cell < b.alias.cell ? -1 : a.alias.cell > b.alias.cell ? 1 : a.alias.uid - b.alias.uid));
}

/**
 * Deletes tablet records. A PRIMARY tablet is refused (FAILED_PRECONDITION) unless `allowPrimary`; when one
 * is deleted and its shard names it as primary, the shard's primary is cleared. All aliases are parsed and
 * checked before anything is deleted.
 */
export async function deleteTablets(
  ts: TopoServer,
  aliases: readonly string[],
  opts: { allowPrimary?: boolean } = {},
): Promise<void> {
  if (aliases.length === 0) throw Err.invalidArgument('no tablet aliases given (expected e.g. zone1-100)');
  const tablets = await Promise.all(aliases.map((a) => getTablet(ts, a)));
  for (const t of tablets) {
    if (t.type === 'PRIMARY' && !opts.allowPrimary) {
      throw Err.failedPrecondition(
        `tablet ${formatTabletAlias(t.alias)} is the primary of ${t.keyspace}/${t.shard}; use --allow-primary to delete it`,
      );
    }
  }
  for (const t of tablets) {
    await ts.deleteTablet(t.alias);
    if (t.type === 'PRIMARY') {
      await ts
        .updateShardFields(t.keyspace, t.shard, (s) =>
          tabletAliasEqual(s.primary_alias, t.alias)
            ? { ...s, primary_alias: null, primary_term_start_time: null }
            : null,
        )
        .catch(() => undefined); // The shard may be gone already; the tablet deletion is what was asked.
    }
  }
}
