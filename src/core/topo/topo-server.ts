import type { Env } from '../env/env.js';
import { Err, VtError, isReason } from '../errors/index.js';
import { keyRangesOverlap, keyRangeString, parseShardName } from '../key/key-range.js';
import type { KeyspaceVSchema, RoutingRules, SrvVSchema } from '../vschema/vschema.js';
import {
  createRecord,
  deleteRecord,
  listNames,
  readRecord,
  rebuildRecord,
  recordNotFound,
  updateRecord,
  type Mutator,
} from './record-io.js';
import { decodeCellInfo, type CellInfo } from './records/cell-info.js';
import { decodeKeyspace, type Keyspace } from './records/keyspace.js';
import { encodeRecord } from './records/record-reader.js';
import { decodeShard, newShard, type Shard } from './records/shard.js';
import { decodeSrvKeyspace, type SrvKeyspace } from './records/srv-keyspace.js';
import type { Tablet } from './records/tablet.js';
import { validateCellName, type TabletAlias } from './records/tablet-alias.js';
import { decodeKeyspaceVSchema, decodeRoutingRules, decodeSrvVSchema } from './records/vschema-records.js';
import { TabletStore } from './tablet-store.js';
import type { LockDescriptor, LockOptions, TopoConn } from './topo-conn.js';
import { TopoPaths as P } from './topo-paths.js';
import { watchRecord, type RecordWatch } from './watch-record.js';

/** Opens the connection to one cell's topology from its CellInfo. */
export type CellConnOpener = (cellInfo: CellInfo, cell: string) => Promise<TopoConn>;

const NAME = /^[A-Za-z0-9_$-]{1,63}$/;

/** Keyspace names appear in paths and SQL: 1-63 of letters, digits, '_', '$', '-'. */
export function validateKeyspaceName(ks: string): void {
  if (!NAME.test(ks))
    throw Err.invalidArgument(`invalid keyspace name "${ks}": use 1-63 letters, digits, '_', '$' or '-'`);
}

export interface CreateShardOptions {
  /**
   * Allow a shard whose key range overlaps existing shards (resharding targets). It is then created with
   * is_primary_serving = false, as Vitess does. Default: refuse the overlap.
   */
  readonly allowOverlap?: boolean;
}

/**
 * Typed access to the topology: records at Vitess's paths over the global TopoConn plus one TopoConn per
 * cell, opened lazily from the cell's CellInfo and cached until close(). Every method fails only with
 * VtError; missing records are NOT_FOUND (reason 'NoNode') with a message naming the record
 * ("keyspace commerce not found"). Record updates are compare-and-set with retry (record-io.ts).
 */
export class TopoServer {
  private readonly cellConns = new Map<string, Promise<TopoConn>>();
  private readonly tablets: TabletStore;
  private closed = false;

  constructor(
    readonly global: TopoConn,
    private readonly openCellConn: CellConnOpener,
    readonly env: Env,
  ) {
    this.tablets = new TabletStore((cell) => this.cellConn(cell));
  }

  // ---- cells ------------------------------------------------------------------------------------------

  async createCellInfo(cell: string, info: CellInfo): Promise<void> {
    validateCellName(cell);
    await createRecord(
      this.global,
      P.cellInfo(cell),
      info,
      () => new VtError('ALREADY_EXISTS', `cell ${cell} already exists`, { reason: 'NodeExists' }),
    );
  }

  async getCellInfo(cell: string): Promise<CellInfo> {
    validateCellName(cell);
    return (await readRecord(this.global, P.cellInfo(cell), decodeCellInfo, () => cellNotFound(cell))).record;
  }

  async getCellInfoNames(): Promise<string[]> {
    return listNames(this.global, P.cellsDir);
  }

  async updateCellInfo(cell: string, mutate: Mutator<CellInfo>): Promise<CellInfo> {
    const out = await updateRecord(this.global, P.cellInfo(cell), decodeCellInfo, mutate, () => cellNotFound(cell));
    await this.dropCellConn(cell);
    return out;
  }

  async deleteCellInfo(cell: string): Promise<void> {
    await deleteRecord(this.global, P.cellInfo(cell), () => cellNotFound(cell));
    await this.dropCellConn(cell);
  }

  /** The cell's TopoConn, opened from its CellInfo on first use (NOT_FOUND if the cell is not registered). */
  cellConn(cell: string): Promise<TopoConn> {
    if (this.closed) return Promise.reject(Err.failedPrecondition('topology server is closed'));
    let conn = this.cellConns.get(cell);
    if (conn === undefined) {
      conn = this.getCellInfo(cell).then((info) => this.openCellConn(info, cell));
      this.cellConns.set(cell, conn);
      // A failed open is not cached: the next call retries.
      conn.catch(() => this.cellConns.delete(cell));
    }
    return conn;
  }

  private async dropCellConn(cell: string): Promise<void> {
    const conn = this.cellConns.get(cell);
    this.cellConns.delete(cell);
    if (conn) await (await conn.catch(() => undefined))?.close();
  }

  // ---- keyspaces --------------------------------------------------------------------------------------

  async createKeyspace(ks: string, keyspace: Keyspace): Promise<void> {
    validateKeyspaceName(ks);
    await createRecord(
      this.global,
      P.keyspace(ks),
      keyspace,
      () => new VtError('ALREADY_EXISTS', `keyspace ${ks} already exists`, { reason: 'NodeExists' }),
    );
  }

  async getKeyspace(ks: string): Promise<Keyspace> {
    validateKeyspaceName(ks);
    return (await readRecord(this.global, P.keyspace(ks), decodeKeyspace, () => keyspaceNotFound(ks))).record;
  }

  async getKeyspaceNames(): Promise<string[]> {
    return listNames(this.global, P.keyspacesDir);
  }

  async updateKeyspace(ks: string, mutate: Mutator<Keyspace>): Promise<Keyspace> {
    validateKeyspaceName(ks);
    return updateRecord(this.global, P.keyspace(ks), decodeKeyspace, mutate, () => keyspaceNotFound(ks));
  }

  /**
   * Deletes a keyspace. Without `recursive`, refuses (FAILED_PRECONDITION) while it has shards. With it,
   * also deletes its shards, their tablets in every cell, its SrvKeyspace in every cell and its VSchema.
   * The SrvVSchema is not rebuilt here (callers do, see ctl).
   */
  async deleteKeyspace(ks: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.getKeyspace(ks);
    const shards = await this.getShardNames(ks);
    if (shards.length > 0 && !opts.recursive) {
      throw Err.failedPrecondition(
        `keyspace ${ks} still has ${shards.length} shard(s) (${shards.join(', ')}); delete them first or use --recursive`,
      );
    }
    for (const shard of shards) await this.deleteShard(ks, shard, { recursive: true });
    for (const cell of await this.getCellInfoNames()) {
      await this.deleteSrvKeyspace(cell, ks).catch((e: unknown) => {
        if (!isReason(e, 'NoNode')) throw e;
      });
    }
    await this.global.delete(P.vschema(ks)).catch((e: unknown) => {
      if (!isReason(e, 'NoNode')) throw e;
    });
    await deleteRecord(this.global, P.keyspace(ks), () => keyspaceNotFound(ks));
  }

  // ---- shards -----------------------------------------------------------------------------------------

  /**
   * Creates a shard of an existing keyspace under the keyspace lock. Refuses (ALREADY_EXISTS) a duplicate
   * and (FAILED_PRECONDITION) a key range overlapping another shard's, naming both, unless allowOverlap.
   * A shard that overlaps no other serving shard starts with is_primary_serving = true (as Vitess).
   */
  async createShard(ks: string, shard: string, opts: CreateShardOptions = {}): Promise<Shard> {
    const keyRange = parseShardName(shard);
    await this.getKeyspace(ks);
    const lock = await this.lockKeyspace(ks, `create shard ${ks}/${shard}`);
    try {
      let serving = true;
      for (const other of await this.getShardNames(ks)) {
        if (other === shard) continue;
        const o = await this.getShard(ks, other);
        if (!keyRangesOverlap(o.key_range, keyRange)) continue;
        if (!opts.allowOverlap) {
          throw Err.failedPrecondition(
            `shard ${ks}/${shard} (key range ${keyRangeString(keyRange)}) overlaps existing shard ${ks}/${other} (key range ${keyRangeString(o.key_range)})`,
          );
        }
        serving = false;
      }
      const record = newShard(keyRange, serving);
      await createRecord(
        this.global,
        P.shard(ks, shard),
        record,
        () => new VtError('ALREADY_EXISTS', `shard ${ks}/${shard} already exists`, { reason: 'NodeExists' }),
      );
      return record;
    } finally {
      await lock.unlock();
    }
  }

  async getShard(ks: string, shard: string): Promise<Shard> {
    validateKeyspaceName(ks);
    parseShardName(shard);
    return (await readRecord(this.global, P.shard(ks, shard), decodeShard, () => shardNotFound(ks, shard))).record;
  }

  async getShardNames(ks: string): Promise<string[]> {
    validateKeyspaceName(ks);
    return listNames(this.global, P.shardsDir(ks));
  }

  /** Read-modify-write of a Shard record with version CAS and retry (see updateRecord). */
  async updateShardFields(ks: string, shard: string, mutate: Mutator<Shard>): Promise<Shard> {
    validateKeyspaceName(ks);
    return updateRecord(this.global, P.shard(ks, shard), decodeShard, mutate, () => shardNotFound(ks, shard));
  }

  /**
   * Deletes a shard record. Without `recursive`, refuses (FAILED_PRECONDITION) while tablets of the shard
   * exist in any cell; with it, deletes those tablets first.
   */
  async deleteShard(ks: string, shard: string, opts: { recursive?: boolean } = {}): Promise<void> {
    await this.getShard(ks, shard);
    const tablets = await this.getTabletsByShard(ks, shard);
    if (tablets.length > 0 && !opts.recursive) {
      throw Err.failedPrecondition(
        `shard ${ks}/${shard} still has ${tablets.length} tablet(s); delete them first or use --recursive`,
      );
    }
    for (const t of tablets) await this.tablets.delete(t.alias);
    await deleteRecord(this.global, P.shard(ks, shard), () => shardNotFound(ks, shard));
  }

  // ---- tablets (cell stores) --------------------------------------------------------------------------

  /** Registers a tablet in its cell; ALREADY_EXISTS if the alias is taken. */
  createTablet(tablet: Tablet): Promise<void> {
    return this.tablets.create(tablet);
  }

  getTablet(alias: TabletAlias): Promise<Tablet> {
    return this.tablets.get(alias);
  }

  /** Read-modify-write of a Tablet record with version CAS and retry. */
  updateTabletFields(alias: TabletAlias, mutate: Mutator<Tablet>): Promise<Tablet> {
    return this.tablets.update(alias, mutate);
  }

  deleteTablet(alias: TabletAlias): Promise<void> {
    return this.tablets.delete(alias);
  }

  getTabletAliasesByCell(cell: string): Promise<TabletAlias[]> {
    return this.tablets.aliasesByCell(cell);
  }

  getTabletsByCell(cell: string): Promise<Tablet[]> {
    return this.tablets.byCell(cell);
  }

  /** Tablets of one shard across `cells` (default: every registered cell), sorted by alias. */
  async getTabletsByShard(ks: string, shard: string, cells?: readonly string[]): Promise<Tablet[]> {
    const all = await Promise.all((cells ?? (await this.getCellInfoNames())).map((c) => this.tablets.byCell(c)));
    return all.flat().filter((t) => t.keyspace === ks && t.shard === shard);
  }

  // ---- serving graph (cell stores) --------------------------------------------------------------------

  async getSrvKeyspace(cell: string, ks: string): Promise<SrvKeyspace> {
    const conn = await this.cellConn(cell);
    return (await readRecord(conn, P.srvKeyspace(ks), decodeSrvKeyspace, () => srvKeyspaceNotFound(cell, ks))).record;
  }

  async getSrvKeyspaceNames(cell: string): Promise<string[]> {
    return listNames(await this.cellConn(cell), P.keyspacesDir);
  }

  async updateSrvKeyspace(cell: string, ks: string, srv: SrvKeyspace): Promise<void> {
    validateKeyspaceName(ks);
    await (await this.cellConn(cell)).update(P.srvKeyspace(ks), encodeRecord(srv));
  }

  async deleteSrvKeyspace(cell: string, ks: string): Promise<void> {
    await deleteRecord(await this.cellConn(cell), P.srvKeyspace(ks), () => srvKeyspaceNotFound(cell, ks));
  }

  async getSrvVSchema(cell: string): Promise<SrvVSchema> {
    const conn = await this.cellConn(cell);
    const notFound = () => recordNotFound(`SrvVSchema not found in cell ${cell}`);
    return (await readRecord(conn, P.srvVSchema, decodeSrvVSchema, notFound)).record;
  }

  async updateSrvVSchema(cell: string, srv: SrvVSchema): Promise<void> {
    await (await this.cellConn(cell)).update(P.srvVSchema, encodeRecord(srv));
  }

  /**
   * Writes the cell's SrvVSchema as computed by `build`, so that concurrent rebuilds cannot leave a stale
   * one behind: the stored version is read BEFORE `build` reads its inputs and the write is conditional on
   * it; if another rebuild wrote in between (its inputs may be newer), `build` runs again (rebuildRecord).
   * Returns what was written.
   */
  async rebuildSrvVSchema(cell: string, build: () => Promise<SrvVSchema>): Promise<SrvVSchema> {
    return rebuildRecord(await this.cellConn(cell), P.srvVSchema, build);
  }

  /** Current SrvKeyspace and its later changes, decoded (NOT_FOUND if absent when the watch starts). */
  async watchSrvKeyspace(cell: string, ks: string, signal?: AbortSignal): Promise<RecordWatch<SrvKeyspace>> {
    const conn = await this.cellConn(cell);
    return watchRecord(conn, P.srvKeyspace(ks), decodeSrvKeyspace, () => srvKeyspaceNotFound(cell, ks), signal);
  }

  async watchSrvVSchema(cell: string, signal?: AbortSignal): Promise<RecordWatch<SrvVSchema>> {
    const conn = await this.cellConn(cell);
    const notFound = () => recordNotFound(`SrvVSchema not found in cell ${cell}`);
    return watchRecord(conn, P.srvVSchema, decodeSrvVSchema, notFound, signal);
  }

  // ---- VSchema and routing rules (global) -------------------------------------------------------------

  async getVSchema(ks: string): Promise<KeyspaceVSchema> {
    validateKeyspaceName(ks);
    const notFound = () => recordNotFound(`no VSchema for keyspace ${ks}`);
    return (await readRecord(this.global, P.vschema(ks), decodeKeyspaceVSchema, notFound)).record;
  }

  /** Stores a keyspace VSchema (validate first: see vschema-validate.ts). NOT_FOUND if the keyspace is missing. */
  async saveVSchema(ks: string, vschema: KeyspaceVSchema): Promise<void> {
    await this.getKeyspace(ks);
    await this.global.update(P.vschema(ks), encodeRecord(vschema));
  }

  /** The routing rules; none stored reads as {rules: []}. */
  async getRoutingRules(): Promise<RoutingRules> {
    try {
      return (await readRecord(this.global, P.routingRules, decodeRoutingRules, () => recordNotFound(''))).record;
    } catch (e) {
      if (isReason(e, 'NoNode')) return { rules: [] };
      throw e;
    }
  }

  async saveRoutingRules(rules: RoutingRules): Promise<void> {
    await this.global.update(P.routingRules, encodeRecord(rules));
  }

  // ---- locks ------------------------------------------------------------------------------------------

  /** Locks the keyspace (its directory in the global store). NOT_FOUND if the keyspace does not exist. */
  async lockKeyspace(ks: string, purpose: string, options?: LockOptions): Promise<LockDescriptor> {
    validateKeyspaceName(ks);
    try {
      return await this.global.lock(P.keyspaceDir(ks), purpose, options);
    } catch (e) {
      if (isReason(e, 'NoNode')) throw keyspaceNotFound(ks);
      throw e;
    }
  }

  async lockShard(ks: string, shard: string, purpose: string, options?: LockOptions): Promise<LockDescriptor> {
    validateKeyspaceName(ks);
    try {
      return await this.global.lock(P.shardDir(ks, shard), purpose, options);
    } catch (e) {
      if (isReason(e, 'NoNode')) throw shardNotFound(ks, shard);
      throw e;
    }
  }

  /** Closes every cell connection opened here, then the global one. Idempotent. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    const conns = [...this.cellConns.values()];
    this.cellConns.clear();
    await Promise.all(conns.map(async (c) => (await c.catch(() => undefined))?.close()));
    await this.global.close();
  }
}

export function cellNotFound(cell: string): VtError {
  return recordNotFound(`cell ${cell} not found`);
}
export function keyspaceNotFound(ks: string): VtError {
  return recordNotFound(`keyspace ${ks} not found`);
}
export function shardNotFound(ks: string, shard: string): VtError {
  return recordNotFound(`shard ${ks}/${shard} not found`);
}
function srvKeyspaceNotFound(cell: string, ks: string): VtError {
  return recordNotFound(`SrvKeyspace for keyspace ${ks} not found in cell ${cell}`);
}
