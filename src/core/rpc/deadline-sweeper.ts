/**
 * Something with a deadline (Date.now() clock) that the sweeper expires once. The `prev`/`next` links belong to the
 * sweeper (an intrusive list: registering costs no allocation and no hashing); initialise them to undefined.
 */
export interface Expirable {
  readonly deadline: number;
  expire(): void;
  prev: Expirable | undefined;
  next: Expirable | undefined;
}

/**
 * Expires many deadlines with one periodic timer instead of a setTimeout/clearTimeout pair each: per-call RPC
 * deadlines and per-statement query timeouts on the tablet's hot path, where nearly everything finishes long
 * before its deadline.
 * An entry expires within `resolutionMs` after its deadline (never before). The timer runs only while entries
 * are registered and does not keep the process alive. An entry is registered with at most one sweeper at a time.
 */
export class DeadlineSweeper {
  /** Sentinel of a circular doubly linked list of registered entries. */
  private readonly head: Expirable = {
    deadline: Infinity,
    expire: () => undefined,
    prev: undefined,
    next: undefined,
  };
  private count = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly resolutionMs = 10) {
    this.head.prev = this.head;
    this.head.next = this.head;
  }

  add(e: Expirable): void {
    if (e.next !== undefined) return;
    const last = this.head.prev!;
    e.prev = last;
    e.next = this.head;
    last.next = e;
    this.head.prev = e;
    this.count++;
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.resolutionMs);
      this.timer.unref();
    }
  }

  /** Unregisters `e` (no-op when it expired or was removed already). */
  remove(e: Expirable): void {
    const { prev, next } = e;
    if (prev === undefined || next === undefined) return;
    prev.next = next;
    next.prev = prev;
    e.prev = undefined;
    e.next = undefined;
    this.count--;
  }

  get size(): number {
    return this.count;
  }

  /** Stops the timer and unregisters every entry (they never expire). */
  close(): void {
    while (this.head.next !== this.head) this.remove(this.head.next!);
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    if (this.count === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (let e = this.head.next!; e !== this.head;) {
      const next = e.next!;
      if (e.deadline <= now) {
        this.remove(e);
        e.expire();
      }
      e = next;
    }
  }
}
