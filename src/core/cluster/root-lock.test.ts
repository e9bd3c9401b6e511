import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { acquireRootLock, LOCK_FILE } from './root-lock.js';

let root: string | undefined;

afterEach(async () => {
  if (root !== undefined) await rm(root, { recursive: true, force: true });
  root = undefined;
});

describe('acquireRootLock', () => {
  it('is exclusive while held and gone once released', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vt-lock-'));
    const lock = await acquireRootLock(root);
    expect((await readFile(path.join(root, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    // The owner is alive (this process, as seen from another vt up): a second one is refused, naming it.
    await writeFile(path.join(root, LOCK_FILE), `${process.ppid}\n`);
    await expect(acquireRootLock(root)).rejects.toThrow(new RegExp(`another vt up \\(pid ${process.ppid}\\)`));
    await lock.release();
    await expect(stat(path.join(root, LOCK_FILE))).rejects.toThrow(/ENOENT/);
  });

  it('takes over the lock of a vt up that died', async () => {
    root = await mkdtemp(path.join(tmpdir(), 'vt-lock-'));
    const dead = spawnSync('true').pid!;
    await writeFile(path.join(root, LOCK_FILE), `${dead}\n`);
    const lock = await acquireRootLock(root);
    expect((await readFile(path.join(root, LOCK_FILE), 'utf8')).trim()).toBe(String(process.pid));
    await lock.release();
  });
});
