import { VtError, isReason } from '../errors/index.js';
import {
  createRecord,
  deleteRecord,
  listNames,
  readRecord,
  recordNotFound,
  updateRecord,
  type Mutator,
} from './record-io.js';
import { decodeTablet, type Tablet } from './records/tablet.js';
import { formatTabletAlias, parseTabletAlias, type TabletAlias } from './records/tablet-alias.js';
import type { TopoConn } from './topo-conn.js';
import { TopoPaths as P } from './topo-paths.js';

/**
 * Tablet records in the cell stores (/tablets/<alias>/Tablet in the tablet's cell). Used by TopoServer,
 * which supplies the cell connections.
 */
export class TabletStore {
  constructor(private readonly cellConn: (cell: string) => Promise<TopoConn>) {}

  /** ALREADY_EXISTS if a tablet with this alias is registered. */
  async create(tablet: Tablet): Promise<void> {
    const alias = formatTabletAlias(tablet.alias);
    await createRecord(
      await this.cellConn(tablet.alias.cell),
      P.tablet(tablet.alias),
      tablet,
      () => new VtError('ALREADY_EXISTS', `tablet ${alias} already exists`, { reason: 'NodeExists' }),
    );
  }

  async get(alias: TabletAlias): Promise<Tablet> {
    const conn = await this.cellConn(alias.cell);
    return (await readRecord(conn, P.tablet(alias), decodeTablet, () => tabletNotFound(alias))).record;
  }

  async update(alias: TabletAlias, mutate: Mutator<Tablet>): Promise<Tablet> {
    return updateRecord(await this.cellConn(alias.cell), P.tablet(alias), decodeTablet, mutate, () =>
      tabletNotFound(alias),
    );
  }

  async delete(alias: TabletAlias): Promise<void> {
    await deleteRecord(await this.cellConn(alias.cell), P.tablet(alias), () => tabletNotFound(alias));
  }

  /** Aliases registered in the cell, sorted by uid; entries that are not aliases are skipped. */
  async aliasesByCell(cell: string): Promise<TabletAlias[]> {
    const names = await listNames(await this.cellConn(cell), P.tabletsDir);
    const aliases: TabletAlias[] = [];
    for (const n of names) {
      try {
        aliases.push(parseTabletAlias(n));
      } catch {
        // Not a tablet directory (foreign data under /tablets): ignore rather than fail the listing.
      }
    }
    return aliases.sort((a, b) => a.uid - b.uid);
  }

  /** Every tablet of the cell, sorted by uid. A tablet deleted during the listing is skipped. */
  async byCell(cell: string): Promise<Tablet[]> {
    const aliases = await this.aliasesByCell(cell);
    const tablets = await Promise.all(
      aliases.map((a) =>
        this.get(a).catch((e: unknown) => {
          if (isReason(e, 'NoNode')) return undefined;
          throw e;
        }),
      ),
    );
    return tablets.filter((t): t is Tablet => t !== undefined);
  }
}

export function tabletNotFound(alias: TabletAlias): VtError {
  return recordNotFound(`tablet ${formatTabletAlias(alias)} not found`);
}
