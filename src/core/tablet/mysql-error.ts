import { VtError, type VtCode } from '../errors/index.js';

/** MySQL client-side error numbers (CR_*) vt reports when the server cannot be reached. */
export const CR_CONNECTION_ERROR = 2002;
export const CR_CONN_HOST_ERROR = 2003;
export const CR_SERVER_GONE_ERROR = 2006;
export const CR_SERVER_LOST = 2013;

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
    case CR_CONNECTION_ERROR:
    case CR_CONN_HOST_ERROR:
    case CR_SERVER_GONE_ERROR:
    case CR_SERVER_LOST:
      return 'UNAVAILABLE';
    default:
      return errno >= 1000 && errno < 2000 ? 'INVALID_ARGUMENT' : 'UNKNOWN';
  }
}

interface Mysql2Error extends Error {
  code?: string;
  errno?: number;
  sqlState?: string;
  sqlMessage?: string;
  fatal?: boolean;
}

/** True when `err` means the connection itself is unusable (lost, refused, reset), not a statement failure. */
export function isConnectionError(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const e = err as Mysql2Error;
  if (e.fatal === true) return true;
  const errno = typeof e.errno === 'number' ? e.errno : 0;
  if (errno === CR_SERVER_GONE_ERROR || errno === CR_SERVER_LOST || errno === 1053) return true;
  return typeof e.code === 'string' && networkCodes.has(e.code);
}

const networkCodes = new Set([
  'PROTOCOL_CONNECTION_LOST',
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
  'PROTOCOL_SEQUENCE_TIMEOUT',
]);

/**
 * Converts what mysql2 throws into a VtError. Server errors keep their errno/SQLSTATE/message; connection failures
 * become UNAVAILABLE with CR_SERVER_GONE_ERROR (2006) or CR_CONNECTION_ERROR (2002) so callers fail fast and the
 * gate may retry elsewhere.
 */
export function mysqlError(err: unknown, what = 'mysqld'): VtError {
  if (err instanceof VtError) return err;
  const e = err as Mysql2Error;
  if (err instanceof Error && typeof e.sqlState === 'string' && typeof e.errno === 'number' && !e.fatal) {
    return new VtError(vtCodeForErrno(e.errno), e.sqlMessage ?? e.message, {
      errno: e.errno,
      sqlState: e.sqlState,
      cause: err,
    });
  }
  if (isConnectionError(err)) {
    const refused = e.code === 'ECONNREFUSED' || e.code === 'ENOENT' || e.code === 'ETIMEDOUT';
    return new VtError(
      'UNAVAILABLE',
      refused ? `Can't connect to ${what}: ${e.message}` : `${what} has gone away: ${e.message}`,
      { errno: refused ? CR_CONNECTION_ERROR : CR_SERVER_GONE_ERROR, sqlState: 'HY000', cause: err },
    );
  }
  if (err instanceof Error && typeof e.errno === 'number' && typeof e.sqlState === 'string') {
    return new VtError('UNAVAILABLE', e.sqlMessage ?? e.message, { errno: e.errno, sqlState: e.sqlState, cause: err });
  }
  return VtError.from(err, 'UNKNOWN');
}
