import { mkdir, readdir, readFile, rename, rmdir, stat, unlink, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import type { Env } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { LocalLocks } from './local-lock.js';
import { errCode, tempName } from './local-owner-file.js';
import { LocalStoreMutex } from './local-store-mutex.js';
import { readValueFile, writeValueFile } from './local-value-file.js';
import { watchLocalValue } from './local-watch.js';
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
import { RESERVED_PREFIX, splitPath } from './topo-path.js';

export interface LocalTopoOptions {
  /** The store directory; created if missing. */
  readonly root: string;
  readonly env: Env;
  /** Lock takeover threshold for a live-looking owner whose heartbeat stopped. Default 10 s. */
  readonly staleMs?: number;
  /** Watch polling fallback period. Default 500 ms. */
  readonly watchPollMs?: number;
}

/**
 * The embedded topology: a directory tree under `root`, one file per value (local-value-file.ts), safe for
 * several processes on one machine. Mutations run under a root-wide mutex file (local-store-mutex.ts), which
 * makes compare-and-set exact; versions come from a store-wide counter (`.vt-seq`), so they only grow for a
 * path, survive restarts and never repeat after delete + re-create. Reads take no lock (writes are atomic
 * renames). Durability: no fsync, a power loss may lose the latest writes (not a crash of the process).
 * A path cannot hold a value and children at once here (a file is not a directory): such a write fails
 * INVALID_ARGUMENT.
 */
export class LocalTopo implements TopoConn {
  private readonly mutex: LocalStoreMutex;
  private readonly locks: LocalLocks;
  private readonly watchStops = new Set<() => void>();
  private closed = false;

  private constructor(
    private readonly root: string,
    private readonly options: LocalTopoOptions,
  ) {
    this.mutex = new LocalStoreMutex(root);
    this.locks = new LocalLocks({
      staleMs: options.staleMs,
      logger: options.env.logger,
      afterRelease: (dir) => this.mutex.run(() => this.prune(dir)),
    });
  }

  static async open(options: LocalTopoOptions): Promise<LocalTopo> {
    const root = resolve(options.root);
    try {
      await mkdir(root, { recursive: true });
    } catch (e) {
      throw topoUnavailable(`cannot create local topology directory ${root}: ${(e as Error).message}`, e);
    }
    return new LocalTopo(root, options);
  }

  async listDir(dirPath: string): Promise<DirEntry[]> {
    const dir = this.fsPath(dirPath, true);
    return this.guard(async () => {
      const entries = await this.visibleEntries(dir);
      const out: DirEntry[] = [];
      for (const e of entries) {
        if (e.isDirectory()) {
          if (await this.hasValue(join(dir, e.name))) out.push({ name: e.name, isDir: true });
        } else if (e.isFile()) {
          out.push({ name: e.name, isDir: false });
        }
      }
      if (out.length === 0) throw noNode(dirPath);
      return out.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    });
  }

  async create(path: string, value: Buffer): Promise<TopoVersion> {
    const file = this.fsPath(path);
    return this.guard(() =>
      this.mutex.run(async () => {
        if ((await readValueFile(file)) !== undefined) throw nodeExists(path);
        return this.write(path, file, value);
      }),
    );
  }

  async update(path: string, value: Buffer, expectedVersion?: TopoVersion): Promise<TopoVersion> {
    const file = this.fsPath(path);
    return this.guard(() =>
      this.mutex.run(async () => {
        if (expectedVersion !== undefined) {
          const cur = await readValueFile(file);
          if (cur === undefined) throw noNode(path);
          if (String(cur.version) !== expectedVersion) throw badVersion(path);
        }
        return this.write(path, file, value);
      }),
    );
  }

  async get(path: string): Promise<TopoValue> {
    const file = this.fsPath(path);
    return this.guard(async () => {
      const cur = await readValueFile(file);
      if (cur === undefined) throw noNode(path);
      return { value: cur.value, version: String(cur.version) };
    });
  }

  async delete(path: string, expectedVersion?: TopoVersion): Promise<void> {
    const file = this.fsPath(path);
    return this.guard(() =>
      this.mutex.run(async () => {
        const cur = await readValueFile(file);
        if (cur === undefined) throw noNode(path);
        if (expectedVersion !== undefined && String(cur.version) !== expectedVersion) throw badVersion(path);
        await unlink(file);
        await this.prune(dirname(file));
      }),
    );
  }

  async lock(dirPath: string, purpose: string, options: LockOptions = {}): Promise<LockDescriptor> {
    const dir = this.fsPath(dirPath);
    return this.guard(async () => {
      if (!(await this.hasValue(dir))) throw noNode(dirPath);
      return this.locks.acquire(dir, dirPath, purpose, options);
    });
  }

  async watch(path: string, signal?: AbortSignal): Promise<WatchResult> {
    const file = this.fsPath(path);
    return this.guard(() =>
      watchLocalValue(file, path, this.options.watchPollMs ?? 500, signal, (stop) => {
        this.watchStops.add(stop);
        return () => this.watchStops.delete(stop);
      }),
    );
  }

  /** Ends watches and releases the locks this connection holds (their `lost` fires). */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    for (const stop of [...this.watchStops]) stop();
    await this.locks.releaseAll();
  }

  /** Maps a topology path to its file (validating it). */
  private fsPath(path: string, allowRoot = false): string {
    if (this.closed) throw topoClosed();
    return join(this.root, ...splitPath(path, allowRoot));
  }

  /** Runs a store operation, mapping unexpected filesystem errors to a VtError. */
  private async guard<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (e) {
      if (e instanceof VtError) throw e;
      throw topoUnavailable(`local store ${this.root}: ${(e as Error).message}`, e);
    }
  }

  /** Under the mutex: takes the next store-wide version and writes the value file with it. */
  private async write(path: string, file: string, value: Buffer): Promise<TopoVersion> {
    try {
      await mkdir(dirname(file), { recursive: true });
    } catch (e) {
      if (errCode(e) === 'EEXIST' || errCode(e) === 'ENOTDIR') throw conflict(path);
      throw e;
    }
    if ((await stat(file).catch(() => undefined))?.isDirectory() === true) throw conflict(path);
    const version = await this.nextVersion();
    await writeValueFile(file, value, version);
    return String(version);
  }

  /** Under the mutex. The counter is written before the value that uses it, so a crash only skips numbers. */
  private async nextVersion(): Promise<bigint> {
    const seqFile = join(this.root, '.vt-seq');
    let last = 0n;
    try {
      last = BigInt((await readFile(seqFile, 'utf8')).trim());
    } catch (e) {
      if (errCode(e) !== 'ENOENT') throw e;
    }
    const next = last + 1n;
    const tmp = tempName(this.root);
    await writeFile(tmp, `${next}\n`);
    await rename(tmp, seqFile);
    return next;
  }

  /** Under the mutex: removes `dir` and its parents while they are empty (a held lock file keeps one). */
  private async prune(dir: string): Promise<void> {
    for (let d = dir; d.length > this.root.length && d.startsWith(this.root); d = dirname(d)) {
      try {
        await rmdir(d);
      } catch (e) {
        if (errCode(e) !== 'ENOENT') return; // not empty: neither are its parents
      }
    }
  }

  private async visibleEntries(dir: string) {
    try {
      return (await readdir(dir, { withFileTypes: true })).filter((e) => !e.name.startsWith(RESERVED_PREFIX));
    } catch (e) {
      if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') return [];
      throw e;
    }
  }

  /** True when `dir` holds at least one value somewhere below it. */
  private async hasValue(dir: string): Promise<boolean> {
    for (const e of await this.visibleEntries(dir)) {
      if (e.isFile()) return true;
      if (e.isDirectory() && (await this.hasValue(join(dir, e.name)))) return true;
    }
    return false;
  }
}

function conflict(path: string): VtError {
  return new VtError(
    'INVALID_ARGUMENT',
    `local topology cannot hold both a value and children at the same path: ${path}`,
  );
}
