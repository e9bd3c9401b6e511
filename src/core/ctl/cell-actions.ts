import { Err, isReason, type VtError } from '../errors/index.js';
import type { CellInfo } from '../topo/records/cell-info.js';
import type { TopoServer } from '../topo/topo-server.js';

/** Registers a cell: where its topology lives (server address + root). ALREADY_EXISTS if registered. */
export async function addCellInfo(ts: TopoServer, cell: string, info: CellInfo): Promise<CellInfo> {
  if (info.root === '') throw Err.invalidArgument(`cell ${cell}: --root is required`);
  await ts.createCellInfo(cell, info);
  return info;
}

export async function getCellInfo(ts: TopoServer, cell: string): Promise<CellInfo> {
  return ts.getCellInfo(cell).catch((e: unknown) => {
    throw isReason(e, 'NoNode') ? cellNotRegistered(cell) : e;
  });
}

export function getCellInfoNames(ts: TopoServer): Promise<string[]> {
  return ts.getCellInfoNames();
}

/** NOT_FOUND for a cell that has no CellInfo, with the command that registers it. */
export function cellNotRegistered(cell: string): VtError {
  return Err.notFound(`cell ${cell} not found; register it first: vt ctl add-cell-info ${cell} --root <root>`);
}

/**
 * The cells an action applies to: the given ones (each must be registered) or, when none are given, every
 * registered cell.
 */
export async function resolveCells(ts: TopoServer, cells: readonly string[] | undefined): Promise<string[]> {
  const known = await ts.getCellInfoNames();
  if (cells === undefined || cells.length === 0) return known;
  for (const c of cells) if (!known.includes(c)) throw cellNotRegistered(c);
  return [...cells];
}
