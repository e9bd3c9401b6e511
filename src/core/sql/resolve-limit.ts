import type { BindVars } from './bind-vars.js';
import type { LimitValue } from './statement-info.js';

/**
 * The number a LIMIT operand stands for, resolving bind variables from `bindVars` (the tablet's row cap needs
 * the literal count even after normalization turned `LIMIT 10` into `LIMIT :vtg1`). Returns undefined for a
 * `?` placeholder, a missing variable or a value that is not a non-negative integer.
 */
export function resolveLimit(v: LimitValue, bindVars: BindVars = {}): number | undefined {
  let text: string | undefined;
  if (v.kind === 'int') text = v.value;
  else if (v.kind === 'bindvar') {
    const bv = Object.hasOwn(bindVars, v.name) ? bindVars[v.name] : undefined;
    if (bv !== undefined && (bv.type === 'int' || bv.type === 'uint')) text = bv.value;
  }
  if (text === undefined || !/^\+?\d+$/.test(text)) return undefined;
  return Number(text);
}
