import type { VtError } from '../errors/index.js';

/**
 * Client-side receive queue of one server stream. Holds at most the credit window of items: it grants the
 * server more credit only as the consumer takes items, so a slow consumer slows the server handler instead of
 * growing this queue. Terminal state (end or error) is delivered after the items queued before it.
 */
export class ClientStream {
  private queue: unknown[] = [];
  private head = 0;
  private waiter: { resolve: (r: IteratorResult<unknown>) => void; reject: (e: VtError) => void } | undefined;
  private ended = false;
  private error: VtError | undefined;
  private consumed = 0;

  constructor(
    private readonly window: number,
    /** Grants the server `n` more items. */
    private readonly credit: (n: number) => void,
    /** Stops the server stream; called at most once, only while it is still running. */
    private readonly cancelRemote: () => void,
  ) {}

  get finished(): boolean {
    return this.ended || this.error !== undefined;
  }

  push(item: unknown): void {
    if (this.finished) return;
    const w = this.waiter;
    if (w !== undefined) {
      this.waiter = undefined;
      this.took();
      w.resolve({ value: item, done: false });
    } else {
      this.queue.push(item);
    }
  }

  end(): void {
    if (this.finished) return;
    this.ended = true;
    this.settleWaiter();
  }

  fail(err: VtError): void {
    if (this.finished) return;
    this.error = err;
    this.settleWaiter();
  }

  next(): Promise<IteratorResult<unknown>> {
    if (this.head < this.queue.length) {
      const value = this.queue[this.head++];
      if (this.head === this.queue.length) {
        this.queue = [];
        this.head = 0;
      }
      this.took();
      return Promise.resolve({ value, done: false });
    }
    if (this.error !== undefined) return Promise.reject(this.error);
    if (this.ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }));
  }

  /** The consumer stopped early (break, abort, deadline): cancel the server side and drop what is queued. */
  cancel(err: VtError): void {
    if (this.finished) return;
    this.error = err;
    this.queue = [];
    this.head = 0;
    this.cancelRemote();
    this.settleWaiter();
  }

  private took(): void {
    // Grant credit in batches of half the window: one Credit frame per window/2 items, never a stall.
    if (++this.consumed * 2 >= this.window && !this.finished) {
      this.credit(this.consumed);
      this.consumed = 0;
    }
  }

  private settleWaiter(): void {
    const w = this.waiter;
    if (w === undefined) return;
    this.waiter = undefined;
    if (this.error !== undefined) w.reject(this.error);
    else w.resolve({ value: undefined, done: true });
  }
}
