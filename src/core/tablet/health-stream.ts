import type { HealthMessage } from './query-service.js';
import type { StateManager } from './state-manager.js';

/** Changes kept for a slow consumer; older ones are dropped (the newest state is what matters). */
const MAX_PENDING = 64;

/**
 * The StreamHealth stream: the current state immediately, then one message per state change and a repeat of
 * the current state every `intervalMs` without changes (so a watcher notices a silent tablet). Ends when
 * `signal` aborts (the RPC layer aborts it when the caller goes away or the server shuts down).
 */
export async function* healthStream(
  state: StateManager,
  o: { readonly intervalMs: number; readonly signal: AbortSignal },
): AsyncGenerator<HealthMessage> {
  const pending: HealthMessage[] = [];
  let wake: (() => void) | undefined;
  const poke = (): void => {
    const w = wake;
    wake = undefined;
    w?.();
  };
  const unsubscribe = state.onChange((h) => {
    pending.push(h);
    if (pending.length > MAX_PENDING) pending.shift();
    poke();
  });
  o.signal.addEventListener('abort', poke, { once: true });
  try {
    yield state.health();
    while (!o.signal.aborted) {
      if (pending.length === 0) {
        let timer: NodeJS.Timeout | undefined;
        await new Promise<void>((resolve) => {
          wake = resolve;
          timer = setTimeout(poke, o.intervalMs);
        });
        clearTimeout(timer);
        if (o.signal.aborted) return;
        if (pending.length === 0) {
          yield state.health();
          continue;
        }
      }
      yield pending.shift()!;
    }
  } finally {
    unsubscribe();
    o.signal.removeEventListener('abort', poke);
  }
}
