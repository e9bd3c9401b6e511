export * from './cell-actions.js';
export * from './graph-actions.js';
export * from './keyspace-actions.js';
export * from './shard-actions.js';
export * from './tablet-actions.js';
export * from './topology-path.js';
export * from './vschema-actions.js';
