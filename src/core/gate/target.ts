import { Err } from '../errors/index.js';
import type { TabletTarget, TabletType } from '../tablet/tablet-target.js';

/**
 * A session's target as written in `USE ks:-80@replica`, a connect database or `SHOW VITESS_TARGET`:
 * keyspace, optional shard (`ks:shard` or Vitess's older `ks/shard`) and tablet type (default primary).
 * An empty keyspace means "no database selected".
 */
export interface SessionTarget {
  readonly keyspace: string;
  readonly shard?: string;
  readonly tabletType: TabletType;
}

const QUERYABLE: ReadonlySet<string> = new Set(['primary', 'replica', 'rdonly']);

export const NO_TARGET: SessionTarget = { keyspace: '', tabletType: 'primary' };

/**
 * Parses `ks`, `ks@replica`, `ks:-80`, `ks/-80`, `ks:-80@rdonly`, `@replica` (no keyspace). Backquotes around
 * the whole text are dropped. Throws 1049 Unknown database for a tablet type that cannot serve queries (as Vitess
 * does, the whole text is the unknown database name).
 */
export function parseTarget(text: string): SessionTarget {
  let t = text.trim();
  if (t.length >= 2 && t.startsWith('`') && t.endsWith('`')) t = t.slice(1, -1).replace(/``/g, '`');
  let tabletType: TabletType = 'primary';
  const at = t.lastIndexOf('@');
  if (at >= 0) {
    const type = t.slice(at + 1).toLowerCase();
    if (type === 'master') tabletType = 'primary';
    else if (QUERYABLE.has(type)) tabletType = type as TabletType;
    else throw Err.badDb(text);
    t = t.slice(0, at);
  }
  const sep = t.search(/[:/]/);
  if (sep < 0) return { keyspace: t, tabletType };
  const shard = t.slice(sep + 1);
  if (shard === '') throw Err.badDb(text);
  return { keyspace: t.slice(0, sep), shard, tabletType };
}

/** Vitess's printed form: `ks`, `ks:-80`, `ks@replica`, `ks:-80@replica` (primary is implicit). */
export function formatTarget(t: SessionTarget): string {
  const base = t.shard === undefined ? t.keyspace : `${t.keyspace}:${t.shard}`;
  return t.tabletType === 'primary' ? base : `${base}@${t.tabletType}`;
}

/** Map key of a tablet target: `ks/shard/type`. */
export function targetKey(t: TabletTarget): string {
  return `${t.keyspace}/${t.shard}/${t.tabletType}`;
}

/** Vitess's error text form: `ks.shard.type`. */
export function targetText(t: TabletTarget): string {
  return `${t.keyspace}.${t.shard}.${t.tabletType}`;
}
