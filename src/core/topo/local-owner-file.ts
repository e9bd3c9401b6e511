import { randomBytes } from 'node:crypto';
import { link, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { dirname, join } from 'node:path';

/**
 * An owner file: the local store's mutual-exclusion primitive across processes on one machine. It is created
 * complete and atomically (written to a temp name, then link()ed into place, which fails EEXIST when someone
 * else holds it), so readers never see a half-written owner. Its mtime is the owner's heartbeat.
 */
export interface OwnerRecord {
  /** Unique per acquisition; how an owner recognises its own file. */
  readonly id: string;
  readonly pid: number;
  readonly hostname: string;
  readonly purpose: string;
  /** When it was acquired (ISO 8601). */
  readonly time: string;
}

export function newOwnerRecord(purpose: string): OwnerRecord {
  return {
    id: randomBytes(8).toString('hex'),
    pid: process.pid,
    hostname: hostname(),
    purpose,
    time: new Date().toISOString(),
  };
}

/** Temp names share this prefix; the store hides every name starting with '.vt-'. */
export function tempName(dir: string): string {
  return join(dir, `.vt-tmp-${process.pid}-${randomBytes(6).toString('hex')}`);
}

/**
 * Creates `path` holding `rec` if nobody holds it. Returns false when it exists. Other errors (ENOENT for
 * a missing directory) propagate as Node errors for the caller to map.
 */
export async function tryCreateOwnerFile(path: string, rec: OwnerRecord): Promise<boolean> {
  const tmp = tempName(dirname(path));
  await writeFile(tmp, JSON.stringify(rec));
  try {
    await link(tmp, path);
    return true;
  } catch (e) {
    if (errCode(e) === 'EEXIST') return false;
    throw e;
  } finally {
    await unlink(tmp).catch(() => {});
  }
}

/** The owner and heartbeat age of `path`, or undefined when nobody holds it. */
export async function readOwnerFile(
  path: string,
): Promise<{ rec: OwnerRecord; ageMs: number; raw: string } | undefined> {
  try {
    const [raw, st] = await Promise.all([readFile(path, 'utf8'), stat(path)]);
    return { rec: parseOwner(raw), ageMs: Date.now() - st.mtimeMs, raw };
  } catch (e) {
    if (errCode(e) === 'ENOENT') return undefined;
    throw e;
  }
}

/** A file that is not an owner record (edited by hand, foreign) counts as a live owner until it goes stale. */
function parseOwner(text: string): OwnerRecord {
  try {
    const rec = JSON.parse(text) as Partial<OwnerRecord>;
    if (typeof rec.id === 'string' && typeof rec.pid === 'number' && typeof rec.hostname === 'string') {
      return { id: rec.id, pid: rec.pid, hostname: rec.hostname, purpose: String(rec.purpose), time: String(rec.time) };
    }
  } catch {
    // fall through
  }
  return { id: '', pid: 0, hostname: '', purpose: '', time: '' };
}

/** True when the owner is certainly gone: a process on this host that no longer exists. */
export function ownerIsDead(rec: OwnerRecord): boolean {
  if (rec.hostname !== hostname() || !Number.isInteger(rec.pid) || rec.pid <= 0) return false;
  try {
    process.kill(rec.pid, 0);
    return false;
  } catch (e) {
    return errCode(e) === 'ESRCH';
  }
}

/**
 * Removes `path` if its owner is dead or its heartbeat is older than `staleMs`. Returns true when it removed
 * it (the caller then retries its create). To avoid removing a fresh owner that replaced the stale one between
 * our read and our removal, the file is first renamed away (only one breaker can win that rename) and put
 * back if it turns out not to be the one judged stale.
 */
export async function breakIfStale(path: string, staleMs: number): Promise<boolean> {
  const cur = await readOwnerFile(path);
  if (cur === undefined) return true;
  if (!ownerIsDead(cur.rec) && cur.ageMs <= staleMs) return false;
  const moved = `${tempName(dirname(path))}-broken`;
  try {
    await rename(path, moved);
  } catch (e) {
    if (errCode(e) === 'ENOENT') return true; // someone else broke or released it
    throw e;
  }
  const sameOwner = (await readFile(moved, 'utf8').catch(() => undefined)) === cur.raw;
  if (!sameOwner) {
    // We moved a live owner's file: restore it unless yet another owner got in meanwhile.
    await link(moved, path).catch(() => {});
  }
  await unlink(moved).catch(() => {});
  return sameOwner;
}

/** Removes `path` only if it is still owned by `id`. */
export async function releaseOwnerFile(path: string, id: string): Promise<void> {
  const cur = await readOwnerFile(path).catch(() => undefined);
  if (cur?.rec.id === id) await unlink(path).catch(() => {});
}

export function errCode(e: unknown): string | undefined {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : undefined;
}
