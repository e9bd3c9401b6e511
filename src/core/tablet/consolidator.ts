/**
 * Runs identical concurrent requests once (Vitess's query consolidator). The first caller for a key executes;
 * callers arriving while it is in flight wait for and receive the same result (or error). A result handed to
 * more than one caller is frozen first (`freeze`), so no caller can mutate what the others see. The entry is
 * dropped as soon as the execution settles: later callers execute again (no caching).
 */
export class Consolidator<T> {
  private readonly inflight = new Map<string, { joiners: number; promise: Promise<T> }>();
  private count = 0;

  constructor(
    private readonly o: {
      /** Makes a result read-only before it is shared. */
      readonly freeze?: (result: T) => void;
      /** Called each time a caller joins an in-flight execution (for the tablet's Consolidations counter). */
      readonly onJoin?: () => void;
    } = {},
  ) {}

  run(key: string, exec: () => Promise<T>): Promise<T> {
    const existing = this.inflight.get(key);
    if (existing) {
      existing.joiners++;
      this.count++;
      this.o.onJoin?.();
      return existing.promise;
    }
    const entry = { joiners: 0, promise: undefined as unknown as Promise<T> };
    entry.promise = exec().then(
      (r) => {
        this.inflight.delete(key);
        if (entry.joiners > 0) this.o.freeze?.(r);
        return r;
      },
      (err: unknown) => {
        this.inflight.delete(key);
        throw err;
      },
    );
    this.inflight.set(key, entry);
    return entry.promise;
  }

  /** Callers that received another caller's result since creation. */
  get consolidations(): number {
    return this.count;
  }

  get inFlight(): number {
    return this.inflight.size;
  }
}
