/**
 * Child process for the cross-process conformance tests. argv[2] is JSON:
 *   {options, lockPath, purpose}: opens the store, takes the lock, prints "locked", then idles until killed.
 *   {options, increment, n}:      prints "ready", then does n read-modify-write increments of a counter with
 *                                 update-with-version.
 */
import { testEnv } from '../../env/env.js';
import { incrementLoop } from './increment-loop.js';
import { openTopo, type OpenTopoOptions } from '../topo-factory.js';

interface Spec {
  readonly options: OpenTopoOptions;
  readonly lockPath?: string;
  readonly purpose?: string;
  readonly increment?: string;
  readonly n?: number;
}

const spec = JSON.parse(process.argv[2] ?? '{}') as Spec;
const conn = await openTopo(spec.options, testEnv());
if (spec.lockPath !== undefined) {
  await conn.lock(spec.lockPath, spec.purpose ?? 'lock-holder', { timeoutMs: 10_000 });
  process.stdout.write('locked\n');
  setInterval(() => {}, 60_000);
} else if (spec.increment !== undefined) {
  process.stdout.write('ready\n');
  await incrementLoop(conn, spec.increment, spec.n ?? 1);
  await conn.close();
}
