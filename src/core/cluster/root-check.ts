import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { Err } from '../errors/index.js';

/** Entries of a root that hold cluster data: tablet directories and topology stores. */
const DATA_ENTRY = (e: string): boolean => /^vt_\d{10}$/.test(e) || ['topo', 'vitess', 'etcd'].includes(e);

/**
 * A new cluster's failure path deletes what the cluster created (mysqld dirs, topology), so it must not start
 * over data it did not create: FAILED_PRECONDITION when the root already holds tablet directories or a topology
 * that no cluster.json accounts for (e.g. from vt mysqlctl / vt ctl run by hand). Empty directories hold nothing
 * to lose and do not count: opening the default local topology (any `vt ctl` verb before `vt up`) creates one.
 */
export async function checkRootIsFree(root: string): Promise<void> {
  const entries = await readdir(root, { withFileTypes: true });
  const found: string[] = [];
  for (const e of entries) {
    if (!DATA_ENTRY(e.name)) continue;
    if (e.isDirectory() && (await readdir(path.join(root, e.name))).length === 0) continue;
    found.push(e.name);
  }
  if (found.length > 0) {
    throw Err.failedPrecondition(
      `${root} already holds vt data that no cluster.json records (${found.sort().join(', ')}); ` +
        'use another --root, or remove them',
    );
  }
}
