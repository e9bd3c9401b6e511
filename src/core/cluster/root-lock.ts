import { open, readFile, rm } from 'node:fs/promises';
import path from 'node:path';
import { Err } from '../errors/index.js';
import { isProcessAlive } from '../mysqlctl/process-utils.js';

export const LOCK_FILE = 'up.lock';

/**
 * Held by one `vt up` for its whole run, so two started at once on the same root cannot both build a cluster
 * there: ROOT/up.lock, created exclusively, holds the owner's pid. A lock whose owner is dead (a `vt up` that
 * was killed) is taken over. Throws FAILED_PRECONDITION naming the live owner.
 */
export async function acquireRootLock(root: string): Promise<{ release(): Promise<void> }> {
  const file = path.join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 3; attempt++) {
    try {
      const fh = await open(file, 'wx');
      await fh.writeFile(`${process.pid}\n`);
      await fh.close();
      return { release: () => rm(file, { force: true }) };
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') {
        throw Err.failedPrecondition(`cannot create ${file}: ${(e as Error).message}`);
      }
    }
    const owner = Number.parseInt((await readFile(file, 'utf8').catch(() => '')).trim(), 10);
    if (Number.isInteger(owner) && owner > 0 && owner !== process.pid && (await isProcessAlive(owner))) {
      throw Err.failedPrecondition(
        `another vt up (pid ${owner}) is working on ${root}; wait for it (or remove ${file} if pid ${owner} is not a vt up)`,
      );
    }
    await rm(file, { force: true });
  }
  throw Err.failedPrecondition(`cannot take ${file}: it keeps reappearing`);
}
