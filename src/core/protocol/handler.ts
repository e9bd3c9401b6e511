import type { Field } from '../sqltypes/field.js';
import type { MysqlType } from '../sqltypes/mysql-type.js';
import type { ResultEvent, SqlValue } from '../sqltypes/result.js';

/**
 * The seam between the wire protocol and whatever answers queries (the gate). The protocol owns framing,
 * auth, statement ids and encoding; the Handler owns SQL. Every method may throw: a VtError becomes an ERR
 * packet with its errno/SQLSTATE/message, anything else ERR 1105/HY000. The connection stays usable after a
 * handler error. Calls on one connection never overlap: commands are processed strictly in order.
 */
export interface Handler {
  /**
   * After authentication, before the login's OK: user and userData are set; db is not yet (initDb follows
   * when the client connects with a database). Throwing refuses the login with that error.
   */
  newConnection?(conn: ServerConnection): void | Promise<void>;
  /**
   * The client went away (QUIT, socket closed, protocol error, server close). Called exactly once per
   * connection that reached newConnection, after any command in progress finished; roll back here.
   */
  connectionClosed?(conn: ServerConnection): void | Promise<void>;
  /**
   * COM_QUERY. The handler splits multi-statement text itself (it owns the lexer) and may only do so when
   * `opts.multiStatements` is true; each statement's result is `fields rows* ok` or `ok`. Errors thrown
   * during iteration (or a rejected promise) end the stream with an ERR (results already sent stay valid for the
   * client). A handler that has the whole result at once should resolve to a plain Iterable: an async
   * iterable costs promise hops per event.
   */
  query(conn: ServerConnection, sql: string, opts: QueryOptions): HandlerResult;
  /** COM_INIT_DB (also used for CONNECT_WITH_DB and COM_CHANGE_USER's database). Throw Err.badDb to refuse. */
  initDb?(conn: ServerConnection, db: string): void | Promise<void>;
  /** COM_STMT_PREPARE: how many `?` the statement has and the columns it will return (empty if none). */
  prepare(conn: ServerConnection, sql: string): PrepareResult | Promise<PrepareResult>;
  /** COM_STMT_EXECUTE with decoded parameters (one per placeholder). Results as for query(). */
  execute(
    conn: ServerConnection,
    stmt: PreparedStatement,
    params: readonly BoundParam[],
    opts: ExecuteOptions,
  ): HandlerResult;
  /** COM_STMT_CLOSE (also called for every open statement on reset, change user and close). */
  closeStatement?(conn: ServerConnection, stmt: PreparedStatement): void;
  /**
   * COM_RESET_CONNECTION, and COM_CHANGE_USER after the new user authenticated: drop session state
   * (roll back, clear variables). Prepared statements are already closed by the protocol.
   */
  resetConnection?(conn: ServerConnection): void | Promise<void>;
  /** COM_FIELD_LIST (deprecated): the table's columns. Without it the protocol answers an empty list. */
  fieldList?(conn: ServerConnection, table: string, wildcard: string): readonly Field[] | Promise<readonly Field[]>;
}

/** What query() and execute() return: the result events, or a promise of them. */
export type HandlerResult =
  AsyncIterable<ResultEvent> | Iterable<ResultEvent> | Promise<AsyncIterable<ResultEvent> | Iterable<ResultEvent>>;

export interface ExecuteOptions {
  /**
   * Aborted when the query is killed (MysqlServer.killQuery) or the client goes away: stop work and throw
   * (e.g. Err.interrupted()). The protocol also stops pulling events once the client is gone. Created on
   * first read (an AbortSignal costs microseconds in Node 20): read it only when the query can block.
   */
  readonly signal: AbortSignal;
}

export interface QueryOptions extends ExecuteOptions {
  /** CLIENT_MULTI_STATEMENTS is on (from the handshake or COM_SET_OPTION). */
  readonly multiStatements: boolean;
}

export interface PrepareResult {
  readonly paramCount: number;
  readonly columns: readonly Field[];
  /** Handler-owned data kept with the statement (e.g. a parsed plan). */
  readonly data?: unknown;
}

/** A prepared statement as the protocol keeps it for one connection. */
export interface PreparedStatement {
  readonly id: number;
  readonly sql: string;
  readonly paramCount: number;
  readonly columns: readonly Field[];
  readonly data: unknown;
}

/**
 * One COM_STMT_EXECUTE parameter, as the client sent it. `value` is in the SqlValue text form: integers,
 * floats, decimals as decimal text; DATE 'YYYY-MM-DD', DATETIME/TIMESTAMP 'YYYY-MM-DD HH:MM:SS[.ffffff]',
 * TIME '[-]H:MM:SS[.ffffff]'; VARCHAR/VAR_STRING/STRING/ENUM/SET/JSON/DECIMAL as UTF-8 strings; BLOB
 * types, BIT and GEOMETRY as Buffer; NULL as null. COM_STMT_SEND_LONG_DATA chunks are joined and follow the
 * same rule by type (a string type gives a string, anything else a Buffer).
 */
export interface BoundParam {
  readonly type: MysqlType;
  readonly unsigned: boolean;
  readonly value: SqlValue;
}

/** What the handler can see of (and keep in) one client connection. */
export interface ServerConnection {
  /** Connection id, as announced in the handshake (CONNECTION_ID()). */
  readonly id: number;
  readonly user: string;
  /** From the AuthServer entry that matched. */
  readonly userData: string;
  /** Current database ('' for none); the protocol updates it after a successful initDb. */
  readonly db: string;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly tls: boolean;
  /** Negotiated capabilities (client's & server's), Cap bits. */
  readonly capabilities: number;
  /**
   * Collation id the client asked for in its handshake (e.g. 45 utf8mb4_general_ci, 255 utf8mb4_0900_ai_ci).
   * The protocol itself always reads and writes UTF-8.
   */
  readonly clientCharset: number;
  /** Connection attributes the client sent (_client_name, program_name, ...). */
  readonly attributes: ReadonlyMap<string, string>;
  /** Session status reported in every OK/EOF: the handler keeps these in step with its transaction state. */
  inTransaction: boolean;
  autocommit: boolean;
  /** Free slot for the handler's per-connection session state. */
  session: unknown;
}
