import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { checkRootIsFree } from './root-check.js';

const roots: string[] = [];
function root(): string {
  const r = mkdtempSync(path.join(os.tmpdir(), 'vt-root-check-'));
  roots.push(r);
  return r;
}
afterEach(() => {
  for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
});

describe('checkRootIsFree', () => {
  it('accepts an empty root, unrelated files and the empty topo directory a vt ctl call leaves', async () => {
    const r = root();
    await checkRootIsFree(r);
    mkdirSync(path.join(r, 'topo'));
    writeFileSync(path.join(r, 'notes.txt'), 'x');
    await checkRootIsFree(r);
  });

  it('refuses topology records and tablet directories it did not create, naming them', async () => {
    const r = root();
    mkdirSync(path.join(r, 'topo', 'keyspaces'), { recursive: true });
    mkdirSync(path.join(r, 'vt_0000000100'));
    writeFileSync(path.join(r, 'vt_0000000100', 'my.cnf'), '');
    await expect(checkRootIsFree(r)).rejects.toMatchObject({
      code: 'FAILED_PRECONDITION',
      message: expect.stringContaining('(topo, vt_0000000100)'),
    });
  });
});
