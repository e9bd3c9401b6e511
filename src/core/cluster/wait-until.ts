import { setTimeout as sleep } from 'node:timers/promises';
import { Err, VtError } from '../errors/index.js';

export interface WaitOptions {
  readonly timeoutMs: number;
  readonly intervalMs?: number;
  readonly signal?: AbortSignal | undefined;
  /** Checked before each attempt: a message here means waiting is pointless (e.g. the process exited). */
  readonly gone?: () => string | undefined;
}

/**
 * Calls `probe` until it returns a value other than undefined and resolves with it. Throws UNAVAILABLE
 * "<what>: <reason>" when `gone` reports a reason, when the deadline passes (quoting the probe's last error,
 * if it threw), or CANCELLED when the signal aborts.
 */
export async function waitUntil<T>(what: string, probe: () => Promise<T | undefined>, o: WaitOptions): Promise<T> {
  const deadline = Date.now() + o.timeoutMs;
  let lastError: string | undefined;
  for (;;) {
    if (o.signal?.aborted) throw new VtError('CANCELED', `${what}: cancelled`);
    const gone = o.gone?.();
    if (gone !== undefined) throw Err.unavailable(`${what}: ${gone}`);
    try {
      const v = await probe();
      if (v !== undefined) return v;
      lastError = undefined;
    } catch (e) {
      lastError = VtError.from(e).message;
    }
    if (Date.now() >= deadline) {
      throw Err.unavailable(
        `${what}: not ready after ${Math.round(o.timeoutMs / 1000)} s${lastError ? ` (last error: ${lastError})` : ''}`,
      );
    }
    await sleep(o.intervalMs ?? 100);
  }
}
