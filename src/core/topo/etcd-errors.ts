import { VtError } from '../errors/index.js';
import { topoUnavailable } from './topo-errors.js';

/**
 * Maps a failure from the etcd3 client to a VtError. Our own VtErrors pass through. Everything the client
 * throws (gRPC UNAVAILABLE / DEADLINE_EXCEEDED, the circuit breaker opened after repeated connection
 * failures, a closed client) means the topology cannot be used right now: reason 'Unavailable', with the
 * servers we tried in the message.
 */
export function fromEtcdError(err: unknown, hosts: readonly string[]): VtError {
  if (err instanceof VtError) return err;
  const name = err instanceof Error ? err.constructor.name : typeof err;
  const message = err instanceof Error ? err.message : String(err);
  const hint = name === 'BrokenCircuitError' ? 'repeated connection failures, retrying shortly' : message;
  return topoUnavailable(`etcd at ${hosts.join(',')}: ${hint} (${name})`, err);
}
