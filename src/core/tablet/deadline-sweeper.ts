/** Something with a deadline (Date.now() clock) that the sweeper expires once. */
export interface Expirable {
  readonly deadline: number;
  expire(): void;
}

/**
 * Expires many deadlines with one periodic timer instead of a setTimeout/clearTimeout pair each: per-statement
 * query timeouts on the tablet's hot path, where nearly every statement finishes long before its deadline.
 * An entry expires within `resolutionMs` after its deadline (never before). The timer runs only while entries
 * are registered and does not keep the process alive.
 */
export class DeadlineSweeper {
  private readonly entries = new Set<Expirable>();
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly resolutionMs = 10) {}

  add(e: Expirable): void {
    this.entries.add(e);
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.sweep(), this.resolutionMs);
      this.timer.unref();
    }
  }

  /** Unregisters `e` (no-op when it expired or was removed already). */
  remove(e: Expirable): void {
    this.entries.delete(e);
  }

  get size(): number {
    return this.entries.size;
  }

  /** Stops the timer; registered entries never expire. */
  close(): void {
    this.entries.clear();
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  private sweep(): void {
    if (this.entries.size === 0) {
      clearInterval(this.timer);
      this.timer = undefined;
      return;
    }
    const now = Date.now();
    for (const e of this.entries) {
      if (e.deadline > now) continue;
      this.entries.delete(e);
      e.expire();
    }
  }
}
