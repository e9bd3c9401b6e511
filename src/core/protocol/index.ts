/**
 * The MySQL wire protocol, server side. `MysqlServer` accepts clients (handshake v10, mysql_native_password and
 * caching_sha2_password, TLS, CONNECT_WITH_DB, DEPRECATE_EOF, multi-statements/results, prepared statements)
 * and hands every command to a `Handler` (handler.ts) - the gate in production, a fixture in tests. The
 * handler sees one `ServerConnection` per client and answers with streams of sqltypes ResultEvents; the
 * protocol owns framing, auth, statement ids and the text/binary encodings.
 *
 * Not supported: the compressed protocol, session-state tracking (CLIENT_SESSION_TRACK is offered, nothing is tracked), query attributes, LOCAL INFILE, server-side
 * cursors (COM_STMT_FETCH answers 1047; results are always sent whole), MariaDB bulk execute, character sets
 * other than UTF-8 on the wire.
 */
export * from './auth-scramble.js';
export * from './auth-server.js';
export * from './auth-server-static.js';
export { AuthPlugin, type AuthPluginName, Cap, Com, ServerStatus } from './constants.js';
export * from './handler.js';
export * from './mysql-server.js';
