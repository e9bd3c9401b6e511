import { VtError } from '../errors/index.js';
import { cannotConnect, goneAway, isConnectionErrno } from '../dbclient/index.js';

export {
  CR_CONNECTION_ERROR,
  CR_CONN_HOST_ERROR,
  CR_SERVER_GONE_ERROR,
  CR_SERVER_LOST,
  vtCodeForErrno,
} from '../dbclient/index.js';

/** Node socket error codes that mean mysqld cannot be reached or the connection broke. */
const networkCodes = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ENOENT',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENOTFOUND',
]);
const unreachableCodes = new Set(['ECONNREFUSED', 'ENOENT', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENOTFOUND']);

/**
 * True when `err` means the connection itself is unusable (never established, lost, reset, closed by a server
 * shutdown or KILL), not that a statement failed: DbConn's errors carry CR_* / fatal server errnos for that.
 */
export function isConnectionError(err: unknown): boolean {
  if (err instanceof VtError) return isConnectionErrno(err.errno);
  const code = (err as { code?: unknown } | null)?.code;
  return err instanceof Error && typeof code === 'string' && networkCodes.has(code);
}

/**
 * Any failure as a VtError: VtErrors (everything DbConn throws) pass through; a Node socket error becomes
 * UNAVAILABLE with CR_CONNECTION_ERROR (2002, unreachable) or CR_SERVER_GONE_ERROR (2006, broken) so callers fail
 * fast and the gate may retry elsewhere; anything else is UNKNOWN.
 */
export function mysqlError(err: unknown, what = 'mysqld'): VtError {
  if (err instanceof VtError) return err;
  if (isConnectionError(err)) {
    const e = err as Error & { code: string };
    return unreachableCodes.has(e.code) ? cannotConnect(what, e.message, err) : goneAway(what, e.message, err);
  }
  return VtError.from(err, 'UNKNOWN');
}
