import type { WatchEvent } from './topo-conn.js';
import { VtError } from '../errors/index.js';

/**
 * The `changes` iterable of a watch, fed by a backend. Single consumer. Events are delivered in push order;
 * a 'deleted' event ends the stream after it is delivered; `fail(err)` makes the next read throw `err` (after
 * the events already queued); aborting `signal`, or the consumer leaving its loop, ends the stream and runs
 * `onStop` exactly once so the backend can free the underlying watch.
 */
export class WatchStream implements AsyncIterable<WatchEvent> {
  private readonly queue: WatchEvent[] = [];
  private waiter: (() => void) | undefined;
  private error: VtError | undefined;
  private ended = false;
  private stopped = false;
  private iterated = false;

  constructor(
    private readonly onStop: () => void,
    signal?: AbortSignal,
  ) {
    if (signal?.aborted) {
      this.stop();
    } else {
      signal?.addEventListener('abort', () => this.stop(), { once: true });
    }
  }

  /** Queues one event; ignored once the stream has ended. A 'deleted' event ends the stream. */
  push(event: WatchEvent): void {
    if (this.ended) return;
    this.queue.push(event);
    if (event.kind === 'deleted') this.finish();
    this.wake();
  }

  /** Ends the stream with an error the consumer sees after the queued events. */
  fail(err: VtError): void {
    if (this.ended) return;
    this.error = err;
    this.finish();
    this.wake();
  }

  /** Ends the stream cleanly after the queued events. */
  end(): void {
    if (this.ended) return;
    this.finish();
    this.wake();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  private stop(): void {
    this.queue.length = 0;
    this.error = undefined;
    this.end();
  }

  private finish(): void {
    this.ended = true;
    if (!this.stopped) {
      this.stopped = true;
      this.onStop();
    }
  }

  private wake(): void {
    const w = this.waiter;
    this.waiter = undefined;
    w?.();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<WatchEvent> {
    if (this.iterated) throw new VtError('FAILED_PRECONDITION', 'a watch stream can only be iterated once');
    this.iterated = true;
    try {
      for (;;) {
        const next = this.queue.shift();
        if (next !== undefined) {
          yield next;
          continue;
        }
        if (this.ended) {
          if (this.error !== undefined) throw this.error;
          return;
        }
        await new Promise<void>((resolve) => (this.waiter = resolve));
      }
    } finally {
      // The consumer broke out of its loop (or the stream ended): release the backend watch.
      this.stop();
    }
  }
}
