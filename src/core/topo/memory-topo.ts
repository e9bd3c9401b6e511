import type { VtError } from '../errors/index.js';
import type {
  DirEntry,
  LockDescriptor,
  LockOptions,
  TopoConn,
  TopoValue,
  TopoVersion,
  WatchResult,
} from './topo-conn.js';
import { badVersion, interrupted, lockTimeout, nodeExists, noNode, topoClosed } from './topo-errors.js';
import { dirEntriesOf, normalizePath, splitPath } from './topo-path.js';
import { WatchStream } from './watch-stream.js';

export type MemoryTopoOp = 'listDir' | 'create' | 'update' | 'get' | 'delete' | 'lock' | 'watch';

interface Node {
  readonly value: Buffer;
  readonly version: number;
}

interface Waiter {
  readonly grant: () => void;
  readonly fail: (err: VtError) => void;
}

interface LockState {
  /** FIFO of lock() calls waiting for this path; the head is granted on unlock. */
  readonly waiters: Waiter[];
}

const DEFAULT_LOCK_TIMEOUT_MS = 30_000;

/**
 * In-process topology for unit tests of code above the topology. Same semantics as the real backends (it
 * passes the conformance suite), plus error injection. Versions come from one counter per instance, so they
 * are monotonic per path (like etcd revisions). Locks never expire (`lost` only fires on close()).
 */
export class MemoryTopo implements TopoConn {
  private readonly nodes = new Map<string, Node>();
  private readonly watchers = new Map<string, Set<WatchStream>>();
  private readonly locks = new Map<string, LockState>();
  private readonly injected: { op: MemoryTopoOp; prefix: string; err: VtError }[] = [];
  private readonly closed = new AbortController();
  private counter = 0;

  /** Makes every later `op` on a path starting with `pathPrefix` fail with `err`, until clearErrors(). */
  injectError(op: MemoryTopoOp, pathPrefix: string, err: VtError): void {
    this.injected.push({ op, prefix: pathPrefix, err });
  }

  clearErrors(): void {
    this.injected.length = 0;
  }

  async listDir(dirPath: string): Promise<DirEntry[]> {
    const dir = this.enter('listDir', dirPath, true);
    const prefix = dir === '/' ? '/' : dir + '/';
    return dirEntriesOf(this.nodes.keys(), prefix, dir);
  }

  async create(path: string, value: Buffer): Promise<TopoVersion> {
    const p = this.enter('create', path);
    if (this.nodes.has(p)) throw nodeExists(p);
    return this.write(p, value);
  }

  async update(path: string, value: Buffer, expectedVersion?: TopoVersion): Promise<TopoVersion> {
    const p = this.enter('update', path);
    if (expectedVersion !== undefined) {
      const node = this.nodes.get(p);
      if (node === undefined) throw noNode(p);
      if (String(node.version) !== expectedVersion) throw badVersion(p);
    }
    return this.write(p, value);
  }

  async get(path: string): Promise<TopoValue> {
    const p = this.enter('get', path);
    const node = this.nodes.get(p);
    if (node === undefined) throw noNode(p);
    return { value: Buffer.from(node.value), version: String(node.version) };
  }

  async delete(path: string, expectedVersion?: TopoVersion): Promise<void> {
    const p = this.enter('delete', path);
    const node = this.nodes.get(p);
    if (node === undefined) throw noNode(p);
    if (expectedVersion !== undefined && String(node.version) !== expectedVersion) throw badVersion(p);
    this.nodes.delete(p);
    for (const w of this.watchers.get(p) ?? []) w.push({ kind: 'deleted' });
  }

  async lock(dirPath: string, _purpose: string, options: LockOptions = {}): Promise<LockDescriptor> {
    const dir = this.enter('lock', dirPath);
    if (!this.hasDescendants(dir)) throw noNode(dir);
    const state = this.locks.get(dir);
    if (state === undefined) {
      this.locks.set(dir, { waiters: [] });
      return this.descriptor(dir);
    }
    const { timeoutMs = DEFAULT_LOCK_TIMEOUT_MS, signal } = options;
    if (signal?.aborted) throw interrupted(dir);
    return new Promise<LockDescriptor>((resolve, reject) => {
      const cleanup = (): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        const i = state.waiters.indexOf(waiter);
        if (i >= 0) state.waiters.splice(i, 1);
      };
      const waiter: Waiter = {
        grant: () => {
          cleanup();
          resolve(this.descriptor(dir));
        },
        fail: (err) => {
          cleanup();
          reject(err);
        },
      };
      const onAbort = (): void => {
        cleanup();
        reject(interrupted(dir));
      };
      const timer = setTimeout(() => {
        cleanup();
        reject(lockTimeout(dir));
      }, timeoutMs);
      signal?.addEventListener('abort', onAbort, { once: true });
      state.waiters.push(waiter);
    });
  }

  async watch(path: string, signal?: AbortSignal): Promise<WatchResult> {
    const p = this.enter('watch', path);
    const node = this.nodes.get(p);
    if (node === undefined) throw noNode(p);
    if (signal?.aborted) throw interrupted(p);
    let set = this.watchers.get(p);
    if (set === undefined) this.watchers.set(p, (set = new Set()));
    const stream: WatchStream = new WatchStream(() => {
      set.delete(stream);
      if (set.size === 0 && this.watchers.get(p) === set) this.watchers.delete(p);
    }, signal);
    set.add(stream);
    return { current: { value: Buffer.from(node.value), version: String(node.version) }, changes: stream };
  }

  async close(): Promise<void> {
    if (this.closed.signal.aborted) return;
    this.closed.abort(); // the `lost` signal of every held lock
    for (const set of [...this.watchers.values()]) for (const w of [...set]) w.end();
    this.watchers.clear();
    for (const state of this.locks.values()) for (const w of [...state.waiters]) w.fail(topoClosed());
    this.locks.clear();
  }

  /** Common entry checks: closed connection, path syntax, injected errors. Returns the normalised path. */
  private enter(op: MemoryTopoOp, path: string, allowRoot = false): string {
    if (this.closed.signal.aborted) throw topoClosed();
    splitPath(path, allowRoot);
    const p = normalizePath(path, allowRoot);
    for (const inj of this.injected) if (inj.op === op && p.startsWith(inj.prefix)) throw inj.err;
    return p;
  }

  private hasDescendants(dir: string): boolean {
    for (const key of this.nodes.keys()) if (key.startsWith(dir + '/')) return true;
    return false;
  }

  private write(p: string, value: Buffer): TopoVersion {
    const node: Node = { value: Buffer.from(value), version: ++this.counter };
    this.nodes.set(p, node);
    for (const w of this.watchers.get(p) ?? []) {
      w.push({ kind: 'changed', value: Buffer.from(node.value), version: String(node.version) });
    }
    return String(node.version);
  }

  private descriptor(dir: string): LockDescriptor {
    let released = false;
    return {
      lost: this.closed.signal,
      unlock: async () => {
        if (released) return;
        released = true;
        const state = this.locks.get(dir);
        const next = state?.waiters.shift();
        if (next !== undefined) next.grant();
        else this.locks.delete(dir);
      },
    };
  }
}
