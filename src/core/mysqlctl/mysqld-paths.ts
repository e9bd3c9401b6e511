import path from 'node:path';
import { Err } from '../errors/index.js';

/** Where one tablet's mysqld keeps everything: `$VTDATAROOT/vt_<10-digit uid>/`, as Vitess lays it out. */
export interface MysqldPaths {
  readonly dir: string;
  readonly dataDir: string;
  readonly tmpDir: string;
  readonly cnf: string;
  readonly socket: string;
  readonly pidFile: string;
  readonly errorLog: string;
  /** log_bin basename: binlogs are `<dir>/vt-0000000100-bin.000001`. */
  readonly binlogBase: string;
  readonly relayLogBase: string;
}

export const MAX_UID = 0xffff_ffff;
/** Linux's sun_path is 108 bytes including the terminating NUL. */
const MAX_SOCKET_PATH = 107;

/** Tablet uids are uint32 and become server_id, which must be non-zero for replication. */
export function validateUid(uid: number): number {
  if (!Number.isInteger(uid) || uid < 1 || uid > MAX_UID) {
    throw Err.invalidArgument(`invalid tablet uid ${String(uid)}: must be an integer in 1..${MAX_UID}`);
  }
  return uid;
}

/** `vt_0000000100`: the uid zero-padded to 10 digits, as Vitess names tablet directories. */
export function tabletDirName(uid: number): string {
  return `vt_${String(validateUid(uid)).padStart(10, '0')}`;
}

/** Vitess's default mysqld port for a tablet: 17000 + uid. Throws when that leaves the TCP port range. */
export function defaultMysqlPort(uid: number): number {
  const port = 17000 + validateUid(uid);
  if (port > 65535)
    throw Err.invalidArgument(`tablet uid ${uid} has no default mysql port (17000+uid > 65535); pass one`);
  return port;
}

export function validatePort(port: number): number {
  if (!Number.isInteger(port) || port < 1 || port > 65535) {
    throw Err.invalidArgument(`invalid mysql port ${String(port)}: must be an integer in 1..65535`);
  }
  return port;
}

/** Paths are absolute so that my.cnf and the spawned mysqld do not depend on the caller's working directory. */
export function mysqldPaths(dataRoot: string, uid: number, socket?: string): MysqldPaths {
  const name = tabletDirName(uid);
  const dir = path.resolve(dataRoot, name);
  const sock = socket !== undefined && socket !== '' ? path.resolve(socket) : path.join(dir, 'mysql.sock');
  if (Buffer.byteLength(sock) > MAX_SOCKET_PATH) {
    throw Err.invalidArgument(
      `socket path too long for a unix socket (${Buffer.byteLength(sock)} > ${MAX_SOCKET_PATH} bytes): ${sock}`,
    );
  }
  const prefix = name.replace('_', '-');
  return {
    dir,
    dataDir: path.join(dir, 'data'),
    tmpDir: path.join(dir, 'tmp'),
    cnf: path.join(dir, 'my.cnf'),
    socket: sock,
    pidFile: path.join(dir, 'mysqld.pid'),
    errorLog: path.join(dir, 'error.log'),
    binlogBase: path.join(dir, `${prefix}-bin`),
    relayLogBase: path.join(dir, `${prefix}-relay-bin`),
  };
}
