import type { Token } from './token.js';

/** Vitess query directives from `/*vt+ NAME=value FLAG *\/` comments: name (as written) -> value. */
export type Directives = ReadonlyMap<string, string>;

/** Well-known Vitess directive names. */
export const Directive = {
  QUERY_TIMEOUT_MS: 'QUERY_TIMEOUT_MS',
  SCATTER_ERRORS_AS_WARNINGS: 'SCATTER_ERRORS_AS_WARNINGS',
  SKIP_QUERY_PLAN_CACHE: 'SKIP_QUERY_PLAN_CACHE',
  WORKLOAD_NAME: 'WORKLOAD_NAME',
  PLANNER: 'PLANNER',
  MULTI_SHARD_AUTOCOMMIT: 'MULTI_SHARD_AUTOCOMMIT',
  ALLOW_SCATTER: 'ALLOW_SCATTER',
  CONSOLIDATOR: 'CONSOLIDATOR',
} as const;

const ITEM = /([A-Za-z_][A-Za-z0-9_]*)(?:\s*=\s*('(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|[^\s'"]*))?/g;

/**
 * Parses the body of one `/*vt+ ... *\/` comment. A bare name is the flag value 'true'; quoted values lose
 * their quotes. Later occurrences of a name override earlier ones.
 */
export function parseDirectives(comment: string, into: Map<string, string> = new Map()): Map<string, string> {
  const body = comment.startsWith('/*vt+') ? comment.slice(5, comment.endsWith('*/') ? -2 : undefined) : comment;
  for (const m of body.matchAll(ITEM)) {
    let v = m[2];
    if (v === undefined) v = 'true';
    else if (v.length >= 2 && (v[0] === "'" || v[0] === '"')) v = v.slice(1, -1);
    into.set(m[1]!, v);
  }
  return into;
}

/** Directives of every `directive_comment` token in `tokens` (Vitess reads them wherever the comment sits). */
export function directivesOf(tokens: readonly Token[]): Directives {
  const map = new Map<string, string>();
  for (const t of tokens) if (t.kind === 'directive_comment') parseDirectives(t.value, map);
  return map;
}

/** Integer value of a directive (e.g. QUERY_TIMEOUT_MS), or undefined when absent or not a non-negative integer. */
export function directiveInt(d: Directives, name: string): number | undefined {
  const v = d.get(name);
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

/** True when a flag directive is present and not explicitly false/0/off. */
export function directiveFlag(d: Directives, name: string): boolean {
  const v = d.get(name);
  return v !== undefined && !/^(false|0|off)$/i.test(v);
}
