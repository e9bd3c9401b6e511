/**
 * vt's MySQL client for the tablet's mysqld connections: text protocol, one statement at a time, values kept as
 * MySQL's text (SqlValue), results pushed to a ResultSink without per-row allocations beyond the row itself.
 * Handshake v10 with mysql_native_password only; no TLS, compression, prepared statements or LOCAL INFILE.
 */
export * from './client-conn.js';
export * from './client-errors.js';
export { UTF8MB4_GENERAL_CI, type Credentials } from './client-handshake.js';
export type { ResultEnd } from './result-packets.js';
export { isBinaryColumn } from './text-row.js';
