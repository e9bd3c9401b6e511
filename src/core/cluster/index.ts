export { downCluster, stopClusterProcesses, type DownResult } from './cluster-down.js';
export {
  parseKeyspaceSpec,
  planCluster,
  DEFAULT_PORT_BASE,
  type ClusterPlan,
  type KeyspaceSpec,
} from './cluster-plan.js';
export { topoEnv } from './cluster-ports.js';
export {
  CLUSTER_FILE,
  readClusterState,
  recordedTopoOptions,
  type ClusterState,
  type ProcessRecord,
  type TabletRecord,
  type TopoSettings,
} from './cluster-state.js';
export { upCluster, type UpOptions, type UpResult } from './cluster-up.js';
export { commerceDemoSchema, DEMO_KEYSPACE, DEMO_ROW_COUNTS } from './demo/commerce-demo.js';
export { selfCommand } from './self-command.js';
