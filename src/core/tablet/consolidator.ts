/**
 * One execution in flight under a key, as its leader holds it. Joiners get `shared`, created only when the first
 * joiner arrives (most executions have none, and then cost no extra promise).
 */
export class Consolidation<T> {
  joiners = 0;
  /** Index in the consolidator's list of executions in flight. */
  slot = 0;
  shared: Promise<T> | undefined = undefined;
  resolveShared: ((r: T) => void) | undefined = undefined;
  rejectShared: ((err: unknown) => void) | undefined = undefined;

  constructor(readonly key: string) {}
}

const SCAN_MAX = 16;

/**
 * Runs identical concurrent requests once (Vitess's query consolidator). The first caller for a key executes;
 * callers arriving while it is in flight wait for and receive the same result (or error). A result handed to
 * more than one caller is frozen first (`freeze`), so no caller can mutate what the others see. The entry is
 * dropped as soon as the execution settles: later callers execute again (no caching).
 *
 * Two ways to use it: `run(key, exec)`, or, on a hot path that wants no promise layer of its own, `join(key)`
 * and, when that returns undefined, `lead(key)` followed by exactly one `resolve` or `reject` of the returned
 * Consolidation (before the leader uses the result itself, so that it is frozen if shared).
 */
export class Consolidator<T> {
  /**
   * Executions in flight, found by a linear scan while there are few: comparing a handful of strings costs less
   * than hashing the key and a Map's set/delete churn. Past SCAN_MAX entries `index` maps keys as well, until
   * the list is back to SCAN_MAX / 2.
   */
  private readonly list: Consolidation<T>[] = [];
  private index: Map<string, Consolidation<T>> | undefined = undefined;
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
    const joined = this.join(key);
    if (joined) return joined;
    const c = this.lead(key);
    let p: Promise<T>;
    try {
      p = exec();
    } catch (err) {
      this.reject(c, err);
      return Promise.reject(err as Error);
    }
    return p.then(
      (r) => {
        this.resolve(c, r);
        return r;
      },
      (err: unknown) => {
        this.reject(c, err);
        throw err;
      },
    );
  }

  /** The result of the execution in flight under `key` (counted as a consolidation), or undefined if none. */
  join(key: string): Promise<T> | undefined {
    const c = this.find(key);
    if (c === undefined) return undefined;
    c.joiners++;
    this.count++;
    this.o.onJoin?.();
    c.shared ??= new Promise<T>((resolve, reject) => {
      c.resolveShared = resolve;
      c.rejectShared = reject;
    });
    return c.shared;
  }

  /** Marks `key` as in flight with the caller as its executor (call after `join` returned undefined). */
  lead(key: string): Consolidation<T> {
    const c = new Consolidation<T>(key);
    const list = this.list;
    c.slot = list.length;
    list.push(c);
    if (this.index !== undefined) this.index.set(key, c);
    else if (list.length > SCAN_MAX) this.index = new Map(list.map((e) => [e.key, e]));
    return c;
  }

  /** Ends a led execution with its result: freezes it if it was joined and hands it to the joiners. */
  resolve(c: Consolidation<T>, result: T): void {
    this.drop(c);
    if (c.joiners > 0) {
      this.o.freeze?.(result);
      c.resolveShared!(result);
    }
  }

  /** Ends a led execution with its error, which every joiner receives too. */
  reject(c: Consolidation<T>, err: unknown): void {
    this.drop(c);
    if (c.joiners > 0) c.rejectShared!(err);
  }

  /** Callers that received another caller's result since creation. */
  get consolidations(): number {
    return this.count;
  }

  get inFlight(): number {
    return this.list.length;
  }

  private find(key: string): Consolidation<T> | undefined {
    if (this.index !== undefined) return this.index.get(key);
    const list = this.list;
    for (let i = 0; i < list.length; i++) if (list[i]!.key === key) return list[i];
    return undefined;
  }

  /** `lead` follows a `join` that found nothing, synchronously: `c` is the only entry under its key. */
  private drop(c: Consolidation<T>): void {
    const list = this.list;
    const last = list.pop()!;
    if (last !== c) {
      list[c.slot] = last;
      last.slot = c.slot;
    }
    if (this.index !== undefined) {
      this.index.delete(c.key);
      if (list.length <= SCAN_MAX / 2) this.index = undefined;
    }
  }
}
