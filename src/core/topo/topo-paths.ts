import { formatTabletAlias, type TabletAlias } from './records/tablet-alias.js';

/**
 * Vitess's topology layout. Global store: cells, keyspaces, shards, VSchemas, routing rules. Cell stores:
 * tablets and the serving graph (SrvKeyspace, SrvVSchema).
 */
export const TopoPaths = {
  cellsDir: '/cells',
  cellInfo: (cell: string) => `/cells/${cell}/CellInfo`,
  keyspacesDir: '/keyspaces',
  keyspaceDir: (ks: string) => `/keyspaces/${ks}`,
  keyspace: (ks: string) => `/keyspaces/${ks}/Keyspace`,
  shardsDir: (ks: string) => `/keyspaces/${ks}/shards`,
  shardDir: (ks: string, shard: string) => `/keyspaces/${ks}/shards/${shard}`,
  shard: (ks: string, shard: string) => `/keyspaces/${ks}/shards/${shard}/Shard`,
  vschema: (ks: string) => `/keyspaces/${ks}/VSchema`,
  routingRules: '/RoutingRules',
  // cell paths
  tabletsDir: '/tablets',
  tablet: (alias: TabletAlias) => `/tablets/${formatTabletAlias(alias)}/Tablet`,
  srvKeyspace: (ks: string) => `/keyspaces/${ks}/SrvKeyspace`,
  srvVSchema: '/SrvVSchema',
} as const;
