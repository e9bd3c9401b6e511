import { join } from 'node:path';
import { breakIfStale, newOwnerRecord, releaseOwnerFile, tryCreateOwnerFile } from './local-owner-file.js';
import { topoUnavailable } from './topo-errors.js';

/** A holder that has been in its critical section this long is presumed wedged; sections take milliseconds. */
const STORE_LOCK_STALE_MS = 30_000;
const STORE_LOCK_WAIT_MS = 60_000;

/**
 * The local store's write mutex: every mutation (and its version check) runs under one root-wide owner file,
 * so compare-and-set is exact across processes. Readers never take it (values are replaced by rename).
 * Critical sections must stay tiny: a few small file operations.
 */
export class LocalStoreMutex {
  private readonly path: string;

  constructor(root: string) {
    this.path = join(root, '.vt-store.lock');
  }

  /** Runs `fn` holding the mutex. Fails Unavailable if the mutex cannot be had within a minute. */
  async run<T>(fn: () => Promise<T>): Promise<T> {
    const rec = newOwnerRecord('store write');
    const deadline = Date.now() + STORE_LOCK_WAIT_MS;
    let delay = 1;
    for (let attempt = 0; !(await tryCreateOwnerFile(this.path, rec)); attempt++) {
      if (attempt % 16 === 15 && (await breakIfStale(this.path, STORE_LOCK_STALE_MS))) continue;
      if (Date.now() > deadline) throw topoUnavailable(`local store ${this.path} stayed locked for a minute`);
      await new Promise((r) => setTimeout(r, delay));
      delay = Math.min(delay * 2, 20);
    }
    try {
      return await fn();
    } finally {
      await releaseOwnerFile(this.path, rec.id);
    }
  }
}
