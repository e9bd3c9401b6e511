import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VtError } from '../../errors/index.js';
import type { WatchEvent } from '../topo-conn.js';
import type { OpenTopoOptions } from '../topo-factory.js';

/** Helpers of the topology conformance suite (topo-conformance.ts): child processes, waiting, assertions. */

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
const LOCK_HOLDER = fileURLToPath(new URL('./lock-holder.ts', import.meta.url));

/** Runs testdata/lock-holder.ts under tsx with `args`; stdout is piped, stderr inherited. */
export function spawnChild(args: string[]): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', LOCK_HOLDER, ...args], {
    cwd: REPO_ROOT,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
}

export function exitCode(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts testdata/lock-holder.ts and resolves once it printed "locked". */
export async function spawnLockHolder(options: OpenTopoOptions, lockPath: string): Promise<ChildProcess> {
  const child = spawnChild([JSON.stringify({ options, lockPath, purpose: 'lock-holder test' })]);
  await waitForLine(child, 'locked');
  return child;
}

export function waitForLine(child: ChildProcess, line: string): Promise<void> {
  return withTimeout(
    new Promise<void>((resolve, reject) => {
      let out = '';
      child.stdout?.on('data', (d: Buffer) => {
        out += d.toString();
        if (out.split('\n').includes(line)) resolve();
      });
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}: ${out}`)));
    }),
    15_000,
  );
}

export async function collect(
  changes: AsyncIterable<WatchEvent>,
  until: (seen: WatchEvent[]) => boolean = () => false,
): Promise<WatchEvent[]> {
  const seen: WatchEvent[] = [];
  for await (const ev of changes) {
    seen.push(ev);
    if (until(seen)) break;
  }
  return seen;
}

export function isSubsequence(sub: string[], of: string[]): boolean {
  let j = 0;
  for (const s of sub) {
    while (j < of.length && of[j] !== s) j++;
    if (j === of.length) return false;
    j++;
  }
  return true;
}

export async function reasonOf(p: Promise<unknown>): Promise<{ reason: string | undefined; code: string } | undefined> {
  try {
    await p;
    return undefined;
  } catch (e) {
    if (!(e instanceof VtError)) throw e;
    return { reason: e.reason, code: e.code };
  }
}

export function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}

/** A version string that differs from `v` (versions are opaque; this only needs to be wrong). */
export function bump(v: string): string {
  return /^\d+$/.test(v) ? String(Number(v) + 1000) : `${v}x`;
}

export function buf(s: string): Buffer {
  return Buffer.from(s);
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
