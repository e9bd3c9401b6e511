import { utimes } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '../env/logger.js';
import type { LockDescriptor, LockOptions } from './topo-conn.js';
import {
  breakIfStale,
  errCode,
  newOwnerRecord,
  readOwnerFile,
  releaseOwnerFile,
  tryCreateOwnerFile,
} from './local-owner-file.js';
import { interrupted, lockTimeout, noNode } from './topo-errors.js';

export const LOCK_FILE = '.vt-lock';
const DEFAULT_TIMEOUT_MS = 30_000;

export interface LocalLockOptions {
  /** Heartbeat period of a held lock (mtime refresh). Default 1 s. */
  readonly heartbeatMs?: number;
  /** A lock whose heartbeat is older than this is taken over even if its pid looks alive. Default 10 s. */
  readonly staleMs?: number;
  readonly logger: Logger;
  /** Called after a lock file is removed, to prune the directory if it no longer holds values. */
  readonly afterRelease: (dirFsPath: string) => Promise<void>;
}

/**
 * Directory locks of the local store: `<dir>/.vt-lock` is an owner file {id, pid, hostname, purpose, time}
 * whose mtime the owner refreshes every heartbeat. Waiters poll (50 ms backing off to 250 ms) and take over
 * a lock whose owner pid is gone (same host) or whose heartbeat is older than staleMs. Tracks the locks it
 * holds so close() can release them.
 */
export class LocalLocks {
  private readonly held = new Map<() => Promise<void>, AbortController>();
  private readonly heartbeatMs: number;
  private readonly staleMs: number;

  constructor(private readonly opts: LocalLockOptions) {
    this.heartbeatMs = opts.heartbeatMs ?? 1_000;
    this.staleMs = opts.staleMs ?? 10_000;
  }

  /** Fails NoNode when the directory vanishes, Timeout / Interrupted as the contract says. */
  async acquire(dirFsPath: string, topoPath: string, purpose: string, options: LockOptions): Promise<LockDescriptor> {
    const file = join(dirFsPath, LOCK_FILE);
    const rec = newOwnerRecord(purpose);
    const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
    let delay = 50;
    for (;;) {
      if (options.signal?.aborted) throw interrupted(topoPath);
      let got: boolean;
      try {
        got = await tryCreateOwnerFile(file, rec);
      } catch (e) {
        if (errCode(e) === 'ENOENT' || errCode(e) === 'ENOTDIR') throw noNode(topoPath);
        throw e;
      }
      if (got) return this.descriptor(file, dirFsPath, rec.id, topoPath);
      if (await breakIfStale(file, this.staleMs)) {
        this.opts.logger.warn({ path: topoPath }, 'took over a stale topology lock');
        continue;
      }
      const left = deadline - Date.now();
      if (left <= 0) throw lockTimeout(topoPath);
      await sleep(Math.min(delay, left), options.signal);
      delay = Math.min(delay * 2, 250);
    }
  }

  /** Releases every lock still held (on close); their `lost` signals fire. */
  async releaseAll(): Promise<void> {
    await Promise.all(
      [...this.held].map(async ([release, lost]) => {
        await release();
        lost.abort();
      }),
    );
  }

  private descriptor(file: string, dirFsPath: string, id: string, topoPath: string): LockDescriptor {
    const lost = new AbortController();
    let released = false;
    const heartbeat = setInterval(() => {
      void (async () => {
        const cur = await readOwnerFile(file).catch(() => undefined);
        if (released) return;
        if (cur?.rec.id !== id) {
          this.opts.logger.warn({ path: topoPath }, 'topology lock lost');
          clearInterval(heartbeat);
          lost.abort();
          return;
        }
        const now = new Date();
        await utimes(file, now, now).catch(() => {});
      })();
    }, this.heartbeatMs);
    heartbeat.unref();
    const release = async (): Promise<void> => {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      this.held.delete(release);
      await releaseOwnerFile(file, id);
      await this.opts.afterRelease(dirFsPath).catch(() => {});
    };
    this.held.set(release, lost);
    return { lost: lost.signal, unlock: release };
  }
}

/** Resolves after `ms` or as soon as `signal` aborts. */
function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
  });
}
