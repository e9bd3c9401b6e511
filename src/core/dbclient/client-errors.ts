import { VtError, type VtCode } from '../errors/index.js';

/** MySQL client-side error numbers (CR_*) this client reports for failures that are not a server ERR packet. */
export const CR_CONNECTION_ERROR = 2002;
export const CR_CONN_HOST_ERROR = 2003;
export const CR_SERVER_GONE_ERROR = 2006;
export const CR_MALFORMED_PACKET = 2027;
export const CR_SERVER_LOST = 2013;
export const CR_AUTH_PLUGIN_CANNOT_LOAD = 2059;

/**
 * The vtrpc code for a MySQL server error, as Vitess's tablet server classifies them: the code drives the gate's
 * retry and buffering decisions, the errno/SQLSTATE still reach the client unchanged.
 */
export function vtCodeForErrno(errno: number): VtCode {
  switch (errno) {
    case 1062: // ER_DUP_ENTRY
      return 'ALREADY_EXISTS';
    case 1213: // ER_LOCK_DEADLOCK
      return 'ABORTED';
    case 1205: // ER_LOCK_WAIT_TIMEOUT
    case 1317: // ER_QUERY_INTERRUPTED
      return 'DEADLINE_EXCEEDED';
    case 1146: // ER_NO_SUCH_TABLE
    case 1049: // ER_BAD_DB
      return 'NOT_FOUND';
    case 1044: // ER_DBACCESS_DENIED
    case 1045: // ER_ACCESS_DENIED
    case 1142: // ER_TABLEACCESS_DENIED
    case 1143: // ER_COLUMNACCESS_DENIED
      return 'PERMISSION_DENIED';
    case 1290: // ER_OPTION_PREVENTS_STATEMENT (read_only)
      return 'FAILED_PRECONDITION';
    case 1040: // ER_CON_COUNT_ERROR
    case 1203: // ER_TOO_MANY_USER_CONNECTIONS
    case 1041: // ER_OUT_OF_RESOURCES
      return 'RESOURCE_EXHAUSTED';
    case 1053: // ER_SERVER_SHUTDOWN
    case 1927: // ER_CONNECTION_KILLED (MariaDB)
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
      return 'UNAVAILABLE';
    default:
      return errno >= 1000 && errno < 2000 ? 'INVALID_ARGUMENT' : 'UNKNOWN';
  }
}

/** Server errors after which the server closes the connection (it sends them unsolicited, then FIN). */
export function isFatalServerErrno(errno: number): boolean {
  return errno === 1053 || errno === 1927 || errno === 1152 || errno === 1153 || errno === 1158 || errno === 1159;
}

/** True when `err` means the connection is unusable (never connected, lost, reset), not that a statement failed. */
export function isConnectionErrno(errno: number): boolean {
  return (
    errno === CR_CONNECTION_ERROR ||
    errno === CR_CONN_HOST_ERROR ||
    errno === CR_SERVER_GONE_ERROR ||
    errno === CR_SERVER_LOST ||
    errno === CR_MALFORMED_PACKET ||
    isFatalServerErrno(errno)
  );
}

/** A server ERR packet as a VtError: errno, SQLSTATE and message exactly as the server sent them. */
export function serverError(errno: number, sqlState: string, message: string): VtError {
  return new VtError(vtCodeForErrno(errno), message, { errno, sqlState });
}

/** mysqld could not be reached (refused, no socket file, connect timeout): CR_CONNECTION_ERROR. */
export function cannotConnect(what: string, detail: string, cause?: unknown): VtError {
  return new VtError('UNAVAILABLE', `Can't connect to ${what}: ${detail}`, {
    errno: CR_CONNECTION_ERROR,
    sqlState: 'HY000',
    cause,
  });
}

/** An established connection was lost (reset, closed by the server, closed locally): CR_SERVER_GONE_ERROR. */
export function goneAway(what: string, detail: string, cause?: unknown): VtError {
  return new VtError('UNAVAILABLE', `${what} has gone away: ${detail}`, {
    errno: CR_SERVER_GONE_ERROR,
    sqlState: 'HY000',
    cause,
  });
}

/** The server sent bytes this client cannot read; the connection is closed because its state is unknown. */
export function malformed(detail: string): VtError {
  return new VtError('UNAVAILABLE', `Malformed packet from mysqld: ${detail}`, {
    errno: CR_MALFORMED_PACKET,
    sqlState: 'HY000',
  });
}
