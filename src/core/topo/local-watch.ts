import { watch as fsWatch, type FSWatcher } from 'node:fs';
import { basename, dirname } from 'node:path';
import { VtError } from '../errors/index.js';
import type { WatchResult } from './topo-conn.js';
import { readValueFile, type StoredValue } from './local-value-file.js';
import { interrupted, noNode } from './topo-errors.js';
import { WatchStream } from './watch-stream.js';

/**
 * Watches one local-store value file. fs.watch on the file's directory gives prompt notification; a stat
 * poll every `pollMs` covers platforms and cases where fs.watch misses events (directory removed and
 * re-created, network filesystems). Each notification re-reads the file, so consecutive writes that land
 * between two reads are coalesced into the latest value (documented in TopoConn); versions only go up, and
 * a missing file is reported as 'deleted', which ends the stream. A delete quickly followed by a re-create
 * may be seen as a plain change.
 */
export async function watchLocalValue(
  file: string,
  topoPath: string,
  pollMs: number,
  signal: AbortSignal | undefined,
  register: (stop: () => void) => () => void,
): Promise<WatchResult> {
  if (signal?.aborted) throw interrupted(topoPath);
  let watcher: FSWatcher | undefined;
  let poll: NodeJS.Timeout | undefined;
  let unregister: (() => void) | undefined;
  let stream: WatchStream | undefined = undefined; // set once the initial read is done
  let last = 0n;
  let running = false;
  let again = false;
  const stop = (): void => {
    watcher?.close();
    watcher = undefined;
    clearInterval(poll);
    unregister?.();
  };
  // Start listening before the initial read so that no write after it goes unnoticed.
  try {
    watcher = fsWatch(dirname(file), { persistent: false }, (_event, name) => {
      if (name === null || name === basename(file)) check();
    });
    watcher.on('error', () => {
      watcher?.close();
      watcher = undefined;
    });
  } catch {
    watcher = undefined; // polling only
  }
  let current: StoredValue | undefined;
  try {
    current = await readValueFile(file);
  } catch (e) {
    stop();
    throw VtError.from(e, 'UNAVAILABLE');
  }
  if (current === undefined) {
    stop();
    throw noNode(topoPath);
  }
  last = current.version;
  const s = new WatchStream(stop, signal);
  stream = s;
  if (!s.isEnded) unregister = register(() => s.end());

  function check(): void {
    if (stream === undefined) return; // the initial read has not finished; a check follows it
    const s = stream;
    if (running) {
      again = true;
      return;
    }
    running = true;
    void (async () => {
      do {
        again = false;
        if (s.isEnded) break;
        try {
          const v = await readValueFile(file);
          if (v === undefined) s.push({ kind: 'deleted' });
          else if (v.version > last) {
            last = v.version;
            s.push({ kind: 'changed', value: v.value, version: String(v.version) });
          }
        } catch (e) {
          s.fail(VtError.from(e, 'UNAVAILABLE'));
        }
      } while (again);
      running = false;
    })();
  }

  if (!s.isEnded) {
    poll = setInterval(check, pollMs);
    poll.unref();
    check(); // catches a write that raced with the initial read
  }
  return { current: { value: current.value, version: String(current.version) }, changes: s };
}
