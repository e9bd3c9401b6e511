import type { KeyspaceVSchema, RoutingRules, ShardRoutingRules, SrvVSchema } from './vschema.js';

/**
 * Assembles the SrvVSchema a cell serves: every keyspace's VSchema (keyspaces without one get Vitess's
 * default, an empty unsharded VSchema) plus the routing rules. Keyspaces are listed in name order so that
 * rebuilding an unchanged topology writes identical bytes.
 */
export function buildSrvVSchema(
  keyspaces: Readonly<Record<string, KeyspaceVSchema | undefined>>,
  routingRules: RoutingRules = { rules: [] },
  shardRoutingRules?: ShardRoutingRules,
): SrvVSchema {
  const ks: Record<string, KeyspaceVSchema> = {};
  for (const name of Object.keys(keyspaces).sort()) ks[name] = keyspaces[name] ?? { sharded: false };
  return {
    keyspaces: ks,
    routing_rules: routingRules,
    ...(shardRoutingRules && shardRoutingRules.rules.length > 0 ? { shard_routing_rules: shardRoutingRules } : {}),
  };
}
