import type { VtError } from '../errors/index.js';
import { isReason } from '../errors/index.js';
import type { Decoder } from './record-io.js';
import type { TopoConn } from './topo-conn.js';

/** A decoded watch: the record now, then every later version (or deletion, which ends the stream). */
export interface RecordWatch<T> {
  readonly current: T;
  readonly changes: AsyncIterable<{ readonly kind: 'changed'; readonly value: T } | { readonly kind: 'deleted' }>;
}

/**
 * Watches one record and decodes each version. A current value that fails to decode rejects (the watch is
 * closed); a later one ends the stream with that VtError (the caller re-watches or reports), as does a lost
 * watch; aborting `signal` or leaving the loop ends it cleanly.
 */
export async function watchRecord<T>(
  conn: TopoConn,
  path: string,
  decode: Decoder<T>,
  notFound: () => VtError,
  signal?: AbortSignal,
): Promise<RecordWatch<T>> {
  let w;
  try {
    w = await conn.watch(path, signal);
  } catch (e) {
    if (isReason(e, 'NoNode')) throw notFound();
    throw e;
  }
  const source = w.changes;
  let current: T;
  try {
    current = decode(w.current.value, path);
  } catch (e) {
    // The caller never sees this watch, so end it here rather than leak it.
    await source[Symbol.asyncIterator]().return?.();
    throw e;
  }
  return {
    current,
    changes: {
      async *[Symbol.asyncIterator]() {
        for await (const ev of source) {
          if (ev.kind === 'deleted') {
            yield { kind: 'deleted' as const };
            return;
          }
          yield { kind: 'changed' as const, value: decode(ev.value, path) };
        }
      },
    },
  };
}
