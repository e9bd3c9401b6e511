import { VtError } from './vt-error.js';

/**
 * The MySQL errors vt produces itself, with their real errno + SQLSTATE. Layers build errors through these
 * helpers so that the same condition always reaches the client with the same code.
 */
export const ErrNo = {
  ER_ACCESS_DENIED: 1045, // 28000
  ER_BAD_DB: 1049, // 42000
  ER_UNKNOWN_COM: 1047, // 08S01
  ER_HANDSHAKE: 1043, // 08S01
  ER_NET_PACKET_TOO_LARGE: 1153, // 08S01
  ER_NET_READ_ERROR: 1158, // 08S01
  ER_NET_PACKETS_OUT_OF_ORDER: 1156, // 08S01
  ER_TOO_MANY_USER_CONNECTIONS: 1203, // 42000
  ER_QUERY_INTERRUPTED: 1317, // 70100
  ER_NO_SUCH_TABLE: 1146, // 42S02
  ER_PARSE_ERROR: 1064, // 42000
  ER_UNKNOWN_ERROR: 1105, // HY000
  ER_NOT_SUPPORTED_YET: 1235, // 42000
  ER_UNKNOWN_STMT_HANDLER: 1243, // HY000
  ER_WRONG_ARGUMENTS: 1210, // HY000
  ER_NO_DB: 1046, // 3D000
  ER_SECURE_TRANSPORT_REQUIRED: 3159, // HY000
  ER_LOCK_WAIT_TIMEOUT: 1205, // HY000
  ER_OPTION_PREVENTS_STATEMENT: 1290, // HY000
  ER_MALFORMED_PACKET: 1835, // HY000
  ER_UNKNOWN_SYSTEM_VARIABLE: 1193, // HY000
} as const;

export const Err = {
  accessDenied: (user: string, host: string, usingPassword: boolean) =>
    new VtError(
      'PERMISSION_DENIED',
      `Access denied for user '${user}'@'${host}' (using password: ${usingPassword ? 'YES' : 'NO'})`,
      { errno: ErrNo.ER_ACCESS_DENIED, sqlState: '28000' },
    ),
  badDb: (db: string) =>
    new VtError('NOT_FOUND', `Unknown database '${db}'`, { errno: ErrNo.ER_BAD_DB, sqlState: '42000' }),
  noDb: () => new VtError('FAILED_PRECONDITION', 'No database selected', { errno: ErrNo.ER_NO_DB, sqlState: '3D000' }),
  unknownCommand: (cmd: number) =>
    new VtError('UNIMPLEMENTED', `Unknown command ${cmd}`, { errno: ErrNo.ER_UNKNOWN_COM, sqlState: '08S01' }),
  packetTooLarge: () =>
    new VtError('RESOURCE_EXHAUSTED', "Got a packet bigger than 'max_allowed_packet' bytes", {
      errno: ErrNo.ER_NET_PACKET_TOO_LARGE,
      sqlState: '08S01',
    }),
  malformedPacket: (what: string) =>
    new VtError('INVALID_ARGUMENT', `Malformed communication packet: ${what}`, {
      errno: ErrNo.ER_MALFORMED_PACKET,
      sqlState: 'HY000',
    }),
  syntax: (message: string) =>
    new VtError('INVALID_ARGUMENT', message, { errno: ErrNo.ER_PARSE_ERROR, sqlState: '42000' }),
  /** Query timeout / kill: MySQL's ER_QUERY_INTERRUPTED, as Vitess returns on a killed query. */
  interrupted: (message = 'Query execution was interrupted') =>
    new VtError('DEADLINE_EXCEEDED', message, { errno: ErrNo.ER_QUERY_INTERRUPTED, sqlState: '70100' }),
  /** Pool exhaustion, as Vitess returns when a pool wait times out. */
  resourceExhausted: (message: string) =>
    new VtError('RESOURCE_EXHAUSTED', message, { errno: ErrNo.ER_TOO_MANY_USER_CONNECTIONS, sqlState: '42000' }),
  noSuchTable: (table: string) =>
    new VtError('NOT_FOUND', `Table '${table}' doesn't exist`, { errno: ErrNo.ER_NO_SUCH_TABLE, sqlState: '42S02' }),
  notSupported: (what: string) =>
    new VtError('UNIMPLEMENTED', `This version of vt doesn't yet support '${what}'`, {
      errno: ErrNo.ER_NOT_SUPPORTED_YET,
      sqlState: '42000',
    }),
  invalidArgument: (message: string) => new VtError('INVALID_ARGUMENT', message),
  notFound: (message: string) => new VtError('NOT_FOUND', message),
  unavailable: (message: string) => new VtError('UNAVAILABLE', message),
  internal: (message: string, cause?: unknown) => new VtError('INTERNAL', message, { cause }),
  failedPrecondition: (message: string) => new VtError('FAILED_PRECONDITION', message),
} as const;
