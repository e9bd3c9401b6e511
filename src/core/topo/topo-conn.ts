/**
 * The topology service contract. One interface, three backends (memory, local, etcd); every backend passes
 * the same conformance suite (topo-conformance.ts). Paths are '/'-separated, absolute within the
 * connection's root ('/keyspaces/commerce/Keyspace'). Values are opaque bytes (records are JSON).
 * A malformed path (relative, empty or '.'/'..' segment, trailing '/', a segment starting with '.vt-', which
 * the backends reserve for their lock and temp files) fails INVALID_ARGUMENT without a `reason`.
 *
 * Errors: every method fails only with VtError. Topology conditions carry `reason`:
 *   'NoNode'      the path does not exist                       (code NOT_FOUND)
 *   'NodeExists'  create() on an existing path                  (code ALREADY_EXISTS)
 *   'BadVersion'  the expected version does not match            (code FAILED_PRECONDITION)
 *   'Timeout'     lock() did not get the lock within its timeout (code DEADLINE_EXCEEDED)
 *   'Interrupted' the operation was aborted by its AbortSignal   (code CANCELED)
 *   'Unavailable' the backend cannot be reached                  (code UNAVAILABLE)
 */

/** Opaque, backend-specific version of a value (etcd mod revision, local file generation, memory counter). */
export type TopoVersion = string;

export interface DirEntry {
  readonly name: string;
  /** True when the entry has children (a directory); false for a leaf holding a value. */
  readonly isDir: boolean;
}

export interface TopoValue {
  readonly value: Buffer;
  readonly version: TopoVersion;
}

/** One change seen by a watch: the new value, or `deleted` (after which the stream ends). */
export type WatchEvent =
  { readonly kind: 'changed'; readonly value: Buffer; readonly version: TopoVersion } | { readonly kind: 'deleted' };

export interface WatchResult {
  /** The value at the time the watch was established. */
  readonly current: TopoValue;
  /**
   * Every later change, in the order they were committed (no change is reported twice; consecutive changes
   * may be coalesced into the latest value only by backends that document it — local's polling fallback).
   * The iterable ends cleanly after a 'deleted' event or when the watch's AbortSignal fires; it throws a
   * VtError if the backend loses the watch (the caller re-watches).
   */
  readonly changes: AsyncIterable<WatchEvent>;
}

/** A held lock. `unlock` is idempotent; `lost` aborts if the backend notices the lock was lost (lease expiry). */
export interface LockDescriptor {
  unlock(): Promise<void>;
  readonly lost: AbortSignal;
}

export interface LockOptions {
  /** How long to wait for a contended lock before failing with reason 'Timeout'. Default 30 s. */
  readonly timeoutMs?: number;
  readonly signal?: AbortSignal;
}

export interface TopoConn {
  /**
   * Lists the immediate children of `dirPath`, sorted by name. Fails NoNode if the directory does not exist
   * (a directory exists as long as it has at least one descendant value).
   */
  listDir(dirPath: string): Promise<DirEntry[]>;

  /** Creates a value at `path`, creating parent directories. Fails NodeExists if a value is already there. */
  create(path: string, value: Buffer): Promise<TopoVersion>;

  /**
   * Writes `value` at `path`. With `expectedVersion`, only if the current version matches (else BadVersion;
   * NoNode if missing). Without it, creates or overwrites unconditionally. Returns the new version.
   */
  update(path: string, value: Buffer, expectedVersion?: TopoVersion): Promise<TopoVersion>;

  /** Reads the value and its version. Fails NoNode. */
  get(path: string): Promise<TopoValue>;

  /**
   * Deletes the value at `path`; with `expectedVersion`, only if it matches (BadVersion otherwise). Fails NoNode
   * if missing. Empty parent directories disappear.
   */
  delete(path: string, expectedVersion?: TopoVersion): Promise<void>;

  /**
   * Takes the exclusive lock on `dirPath` (which must exist: NoNode otherwise), blocking while another owner
   * holds it, up to `timeoutMs` (reason 'Timeout'). `purpose` is recorded for operators ("vt ctl
   * reparent ..."). A held lock lives only as long as its owner: an etcd lease kept alive by the owner, or the
   * owner's pid + heartbeat on the local store; a dead owner's lock is released/recovered automatically.
   * Locks are not re-entrant: the same process locking twice waits like anyone else.
   */
  lock(dirPath: string, purpose: string, options?: LockOptions): Promise<LockDescriptor>;

  /**
   * Watches one value: returns its current value (NoNode if missing) and an async iterable of later changes.
   * Aborting `signal` (or breaking out of the loop) ends the watch and frees its resources.
   */
  watch(path: string, signal?: AbortSignal): Promise<WatchResult>;

  /**
   * Releases connections and stops watches/lease keep-alives: open watch streams end cleanly, locks still
   * held by this connection are released (their `lost` fires). Idempotent. Further calls fail 'Unavailable'.
   */
  close(): Promise<void>;
}
