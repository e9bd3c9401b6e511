export * from './key-range.js';
export * from './shard-ranges.js';
