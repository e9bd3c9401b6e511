export * from './mysql-type.js';
export * from './field.js';
export * from './result.js';
export * from './escaped-utf8.js';
