import { VtError, isReason } from '../errors/index.js';
import type { TopoConn, TopoVersion } from './topo-conn.js';
import { encodeRecord } from './records/record-reader.js';

/** Decodes stored bytes into a typed record; `where` names the path in errors. */
export type Decoder<T> = (data: Buffer, where: string) => T;

/** NOT_FOUND with reason 'NoNode' (so callers can still test isReason) and a record-level message. */
export function recordNotFound(message: string, cause?: unknown): VtError {
  return new VtError('NOT_FOUND', message, { reason: 'NoNode', cause });
}

/** Reads and decodes one record; a missing node becomes `notFound()`. */
export async function readRecord<T>(
  conn: TopoConn,
  path: string,
  decode: Decoder<T>,
  notFound: () => VtError,
): Promise<{ record: T; version: TopoVersion }> {
  try {
    const { value, version } = await conn.get(path);
    return { record: decode(value, path), version };
  } catch (e) {
    if (isReason(e, 'NoNode')) throw withCause(notFound(), e);
    throw e;
  }
}

/** Creates one record; an existing node becomes `exists()`. */
export async function createRecord(conn: TopoConn, path: string, record: object, exists: () => VtError): Promise<void> {
  try {
    await conn.create(path, encodeRecord(record));
  } catch (e) {
    if (isReason(e, 'NodeExists')) throw withCause(exists(), e);
    throw e;
  }
}

/** `mutate` returns the new record, or null when no change is needed (nothing is written). */
export type Mutator<T> = (current: T) => T | null;

export const MAX_CAS_ATTEMPTS = 10;

/**
 * Read-modify-write with compare-and-set: reads the record and its version, applies `mutate`, writes only if
 * the version is unchanged, and on BadVersion (a concurrent writer won) re-reads and retries, up to
 * MAX_CAS_ATTEMPTS times (then ABORTED). `mutate` may therefore run more than once and must be pure.
 * Returns the record as written (or the current one when `mutate` returned null).
 */
export async function updateRecord<T extends object>(
  conn: TopoConn,
  path: string,
  decode: Decoder<T>,
  mutate: Mutator<T>,
  notFound: () => VtError,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    const { record, version } = await readRecord(conn, path, decode, notFound);
    const next = mutate(record);
    if (next === null) return record;
    try {
      await conn.update(path, encodeRecord(next), version);
      return next;
    } catch (e) {
      if (isReason(e, 'NoNode')) throw withCause(notFound(), e);
      if (!isReason(e, 'BadVersion')) throw e;
      if (attempt >= MAX_CAS_ATTEMPTS) {
        throw new VtError('ABORTED', `${path}: gave up after ${attempt} concurrent-update conflicts`, {
          reason: 'BadVersion',
          cause: e,
        });
      }
    }
  }
}

/**
 * Replaces a derived record (one computed from other records, such as SrvVSchema) so that concurrent
 * rebuilders cannot leave a stale value: the stored version is read BEFORE `build` reads its inputs and the
 * write is conditional on it (create if absent). On a conflict another rebuild wrote in between, possibly
 * from newer inputs, so `build` runs again; ABORTED after MAX_CAS_ATTEMPTS. Returns what was written.
 */
export async function rebuildRecord<T extends object>(
  conn: TopoConn,
  path: string,
  build: () => Promise<T>,
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let version: TopoVersion | undefined;
    try {
      version = (await conn.get(path)).version;
    } catch (e) {
      if (!isReason(e, 'NoNode')) throw e;
    }
    const record = await build();
    try {
      if (version === undefined) await conn.create(path, encodeRecord(record));
      else await conn.update(path, encodeRecord(record), version);
      return record;
    } catch (e) {
      if (!isReason(e, 'BadVersion') && !isReason(e, 'NodeExists') && !isReason(e, 'NoNode')) throw e;
      if (attempt >= MAX_CAS_ATTEMPTS) {
        throw new VtError('ABORTED', `${path}: gave up after ${attempt} concurrent rebuilds`, { cause: e });
      }
    }
  }
}

/** Deletes a node; missing is `notFound()`. */
export async function deleteRecord(conn: TopoConn, path: string, notFound: () => VtError): Promise<void> {
  try {
    await conn.delete(path);
  } catch (e) {
    if (isReason(e, 'NoNode')) throw withCause(notFound(), e);
    throw e;
  }
}

/** Lists a directory's entry names; a missing directory is empty. */
export async function listNames(conn: TopoConn, dir: string): Promise<string[]> {
  try {
    return (await conn.listDir(dir)).map((e) => e.name);
  } catch (e) {
    if (isReason(e, 'NoNode')) return [];
    throw e;
  }
}

function withCause(err: VtError, cause: unknown): VtError {
  return err.cause === undefined
    ? new VtError(err.code, err.message, { errno: err.errno, sqlState: err.sqlState, reason: err.reason, cause })
    : err;
}
