export * from './mysql-type.js';
export * from './field.js';
export * from './result.js';
