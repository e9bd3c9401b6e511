import { Err } from '../../errors/index.js';

/** A tablet's identity: the cell it lives in and a uid unique within the cell. */
export interface TabletAlias {
  readonly cell: string;
  readonly uid: number;
}

const CELL_NAME = /^[A-Za-z0-9_.]+$/;

/** Vitess's printed form: cell, '-', uid zero-padded to 10 digits ("zone1-0000000100"). */
export function formatTabletAlias(alias: TabletAlias): string {
  return `${alias.cell}-${String(alias.uid).padStart(10, '0')}`;
}

/**
 * Parses "zone1-0000000100" or "zone1-100". The uid is the part after the LAST '-', so cells may not contain
 * '-' themselves (as in Vitess). Throws INVALID_ARGUMENT for anything else.
 */
export function parseTabletAlias(text: string): TabletAlias {
  const dash = text.lastIndexOf('-');
  const cell = text.slice(0, dash);
  const uidText = text.slice(dash + 1);
  if (dash <= 0 || !/^\d{1,10}$/.test(uidText) || !CELL_NAME.test(cell)) {
    throw Err.invalidArgument(`invalid tablet alias "${text}": expected <cell>-<uid>, e.g. zone1-100`);
  }
  const uid = Number(uidText);
  if (uid > 0xffffffff) throw Err.invalidArgument(`invalid tablet alias "${text}": uid exceeds 32 bits`);
  return { cell, uid };
}

export function tabletAliasEqual(a: TabletAlias | null | undefined, b: TabletAlias | null | undefined): boolean {
  return a != null && b != null && a.cell === b.cell && a.uid === b.uid;
}

/** Validates a cell name (used in paths and aliases): letters, digits, '_' and '.'. */
export function validateCellName(cell: string): void {
  if (!CELL_NAME.test(cell)) {
    throw Err.invalidArgument(`invalid cell name "${cell}": use letters, digits, '_' or '.'`);
  }
}
