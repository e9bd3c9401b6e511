import { isReason } from '../errors/index.js';
import type { TopoServer } from '../topo/topo-server.js';
import { parseRoutingRules } from '../vschema/routing-rules-validate.js';
import type { KeyspaceVSchema, RoutingRules } from '../vschema/vschema.js';
import { parseKeyspaceVSchema } from '../vschema/vschema-validate.js';
import { rebuildVSchemaGraph } from './graph-actions.js';

export interface ApplyOptions {
  /** Validate and return the result without saving. */
  readonly dryRun?: boolean;
  /** Save without rebuilding the SrvVSchema in the cells. */
  readonly skipRebuild?: boolean;
}

export interface ApplyVSchemaResult {
  readonly keyspace: string;
  readonly vschema: KeyspaceVSchema;
  readonly warnings: readonly string[];
  readonly saved: boolean;
  /** Cells whose SrvVSchema was rebuilt (empty on dry run / skipRebuild). */
  readonly rebuiltCells: readonly string[];
}

/**
 * Validates a keyspace's VSchema JSON against Vitess's rules (sequences may live in other keyspaces, whose
 * stored VSchemas are consulted), then saves it and rebuilds the SrvVSchema in every cell. Fails
 * INVALID_ARGUMENT naming each problem; NOT_FOUND if the keyspace does not exist. Nothing is written on
 * failure or dry run.
 */
export async function applyVSchema(
  ts: TopoServer,
  keyspace: string,
  vschemaText: string,
  opts: ApplyOptions = {},
): Promise<ApplyVSchemaResult> {
  await ts.getKeyspace(keyspace);
  const others: Record<string, KeyspaceVSchema> = {};
  for (const ks of await ts.getKeyspaceNames()) {
    if (ks === keyspace) continue;
    const vs = await ts.getVSchema(ks).catch((e: unknown) => {
      if (isReason(e, 'NoNode')) return undefined;
      throw e;
    });
    if (vs) others[ks] = vs;
  }
  const { vschema, warnings } = parseKeyspaceVSchema(vschemaText, { keyspace, otherKeyspaces: others });
  if (opts.dryRun) return { keyspace, vschema, warnings, saved: false, rebuiltCells: [] };
  await ts.saveVSchema(keyspace, vschema);
  const rebuiltCells = opts.skipRebuild ? [] : (await rebuildVSchemaGraph(ts)).cells;
  return { keyspace, vschema, warnings, saved: true, rebuiltCells };
}

export function getVSchema(ts: TopoServer, keyspace: string): Promise<KeyspaceVSchema> {
  return ts.getVSchema(keyspace);
}

export function getRoutingRules(ts: TopoServer): Promise<RoutingRules> {
  return ts.getRoutingRules();
}

/** Validates routing rules (target keyspaces must exist), saves them and rebuilds the SrvVSchema. */
export async function applyRoutingRules(
  ts: TopoServer,
  rulesText: string,
  opts: ApplyOptions = {},
): Promise<{ rules: RoutingRules; saved: boolean; rebuiltCells: readonly string[] }> {
  const rules = parseRoutingRules(rulesText, new Set(await ts.getKeyspaceNames()));
  if (opts.dryRun) return { rules, saved: false, rebuiltCells: [] };
  await ts.saveRoutingRules(rules);
  const rebuiltCells = opts.skipRebuild ? [] : (await rebuildVSchemaGraph(ts)).cells;
  return { rules, saved: true, rebuiltCells };
}
