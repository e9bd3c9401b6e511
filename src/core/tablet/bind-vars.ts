/**
 * The tablet's bind variables are src/core/sql's typed BindVars (re-exported so tablet modules and the tablet's
 * RPC contracts import them from one place); `substituteBindVars` renders them into the SQL sent to mysqld.
 */
export { bindVar, substituteBindVars, type BindVar, type BindVars } from '../sql/index.js';
