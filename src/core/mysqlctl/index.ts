export * from './db-configs.js';
export * from './mysqld-paths.js';
export * from './my-cnf.js';
export * from './mysqld.js';
export { SIDECAR_DB } from './init-db-sql.js';
export { ensureMysqlTemplate } from './mysql-template.js';
export { processMemory } from './process-utils.js';
