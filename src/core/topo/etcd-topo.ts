import { Etcd3 } from 'etcd3';
import type { Env } from '../env/env.js';
import { Err } from '../errors/index.js';
import { fromEtcdError } from './etcd-errors.js';
import { acquireEtcdLock } from './etcd-lock.js';
import { watchEtcdKey, withDeadline } from './etcd-watch.js';
import type {
  DirEntry,
  LockDescriptor,
  LockOptions,
  TopoConn,
  TopoValue,
  TopoVersion,
  WatchResult,
} from './topo-conn.js';
import { badVersion, nodeExists, noNode, topoClosed, topoUnavailable } from './topo-errors.js';
import { RESERVED_PREFIX, dirEntriesOf, normalizePath } from './topo-path.js';

export interface EtcdTopoOptions {
  /** Client URLs, e.g. ['http://127.0.0.1:2379']. */
  readonly hosts: readonly string[];
  /** Key prefix of this topology, e.g. '/vitess/global'. */
  readonly root: string;
  readonly env: Env;
  /** TTL of the lease behind each held lock. Default 30 s (a dead owner's lock frees within this). */
  readonly leaseTtlSeconds?: number;
  /** Deadline of each unary call and of establishing a watch. Default 5 s. */
  readonly callTimeoutMs?: number;
}

/**
 * The etcd v3 backend. A value lives at key `<root><path>`; its version is the key's mod revision. Writes
 * with conditions are single transactions (create: createRevision == 0; versioned update/delete: modRevision
 * == expected), so compare-and-set is exact across any number of clients. Locks are lease-backed keys under
 * `<root>/.vt-locks<dir>/` (etcd-lock.ts), outside the value tree so listDir never shows them. Calls fail
 * 'Unavailable' within callTimeoutMs when etcd cannot be reached (the client does not retry forever).
 */
export class EtcdTopo implements TopoConn {
  private readonly client: Etcd3;
  private readonly root: string;
  private readonly hosts: readonly string[];
  private readonly callTimeoutMs: number;
  private readonly watchStops = new Set<() => void>();
  /** Locks held through this connection: their unlock, and the controller behind their `lost`. */
  private readonly held = new Map<() => Promise<void>, AbortController>();
  private closed = false;

  constructor(private readonly options: EtcdTopoOptions) {
    if (options.hosts.length === 0) throw Err.invalidArgument('etcd topology needs at least one server address');
    this.hosts = options.hosts;
    this.root = options.root === '/' || options.root === '' ? '' : normalizePath(options.root);
    this.callTimeoutMs = options.callTimeoutMs ?? 5_000;
    const timeout = this.callTimeoutMs;
    this.client = new Etcd3({
      hosts: [...options.hosts],
      dialTimeout: timeout,
      defaultCallOptions: (ctx) => (ctx.isStream ? {} : { deadline: Date.now() + timeout }),
    });
  }

  async listDir(dirPath: string): Promise<DirEntry[]> {
    const dir = this.key(dirPath, true);
    const prefix = dir + '/';
    const keys = await this.call(() => this.client.getAll().prefix(prefix).keys());
    return dirEntriesOf(keys, prefix, dirPath);
  }

  async create(path: string, value: Buffer): Promise<TopoVersion> {
    const key = this.key(path);
    const res = await this.call(() =>
      this.client.if(key, 'Create', '==', 0).then(this.client.put(key).value(value)).commit(),
    );
    if (!res.succeeded) throw nodeExists(path);
    return res.header.revision;
  }

  async update(path: string, value: Buffer, expectedVersion?: TopoVersion): Promise<TopoVersion> {
    const key = this.key(path);
    if (expectedVersion === undefined) {
      return (await this.call(() => this.client.put(key).value(value).exec())).header.revision;
    }
    const res = await this.call(() =>
      this.client
        .if(key, 'Mod', '==', versionNumber(expectedVersion))
        .then(this.client.put(key).value(value))
        .else(this.client.get(key))
        .commit(),
    );
    if (!res.succeeded) throw this.conditionFailure(path, res.responses);
    return res.header.revision;
  }

  async get(path: string): Promise<TopoValue> {
    const key = this.key(path);
    const res = await this.call(() => this.client.get(key).exec());
    const kv = res.kvs[0];
    if (kv === undefined) throw noNode(path);
    return { value: Buffer.from(kv.value), version: kv.mod_revision };
  }

  async delete(path: string, expectedVersion?: TopoVersion): Promise<void> {
    const key = this.key(path);
    if (expectedVersion === undefined) {
      const res = await this.call(() => this.client.delete().key(key).exec());
      if (res.deleted === '0') throw noNode(path);
      return;
    }
    const res = await this.call(() =>
      this.client
        .if(key, 'Mod', '==', versionNumber(expectedVersion))
        .then(this.client.delete().key(key))
        .else(this.client.get(key))
        .commit(),
    );
    if (!res.succeeded) throw this.conditionFailure(path, res.responses);
  }

  async lock(dirPath: string, purpose: string, options: LockOptions = {}): Promise<LockDescriptor> {
    const dir = this.key(dirPath);
    const lockPrefix = `${this.root}/${RESERVED_PREFIX}locks${dir.slice(this.root.length)}/`;
    const ctx = {
      client: this.client,
      hosts: this.hosts,
      leaseTtlSeconds: this.options.leaseTtlSeconds ?? 30,
      callTimeoutMs: this.callTimeoutMs,
      logger: this.options.env.logger,
    };
    const held = await acquireEtcdLock(ctx, dir + '/', lockPrefix, dirPath, purpose, options);
    // close() also counts as losing the lock, so `lost` is ours rather than the lease's.
    const lost = new AbortController();
    if (held.lost.aborted) lost.abort();
    else held.lost.addEventListener('abort', () => lost.abort(), { once: true });
    const unlock = async (): Promise<void> => {
      this.held.delete(unlock);
      await held.unlock();
    };
    this.held.set(unlock, lost);
    return { lost: lost.signal, unlock };
  }

  async watch(path: string, signal?: AbortSignal): Promise<WatchResult> {
    const key = this.key(path);
    return watchEtcdKey(this.client, key, path, this.hosts, this.callTimeoutMs, signal, (stop) => {
      this.watchStops.add(stop);
      return () => this.watchStops.delete(stop);
    });
  }

  /** Ends watches, releases held locks (lease revoke, bounded; their `lost` fires) and closes the client. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.watchStops]) stop();
    await Promise.all(
      [...this.held].map(async ([unlock, lost]) => {
        await unlock();
        lost.abort();
      }),
    );
    this.client.close();
  }

  private key(path: string, allowRoot = false): string {
    if (this.closed) throw topoClosed();
    const p = normalizePath(path, allowRoot);
    return p === '/' ? this.root : this.root + p;
  }

  /**
   * Runs one client call bounded by callTimeoutMs overall: etcd3 retries a failed call on its own (each
   * attempt with its own deadline), which would otherwise multiply the wait on a black-holed server.
   */
  private async call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await withDeadline(fn(), this.callTimeoutMs, () =>
        topoUnavailable(`etcd at ${this.hosts.join(',')}: no answer within ${this.callTimeoutMs} ms`),
      );
    } catch (e) {
      throw fromEtcdError(e, this.hosts);
    }
  }

  /** A failed versioned transaction: NoNode when the key is gone, BadVersion when it changed. */
  private conditionFailure(path: string, responses: readonly { response_range?: { kvs: unknown[] } }[]) {
    const kvs = responses[0]?.response_range?.kvs ?? [];
    return kvs.length === 0 ? noNode(path) : badVersion(path);
  }
}

/** Versions are decimal revisions; anything else can never match (compare against an impossible revision). */
function versionNumber(v: TopoVersion): string {
  return /^[1-9]\d*$/.test(v) ? v : '-1';
}
