import { hostname } from 'node:os';
import type { Etcd3 } from 'etcd3';
import type { Logger } from '../env/logger.js';
import type { LockDescriptor, LockOptions } from './topo-conn.js';
import { fromEtcdError } from './etcd-errors.js';
import { withDeadline } from './etcd-watch.js';
import { interrupted, lockTimeout, noNode, topoUnavailable } from './topo-errors.js';

const DEFAULT_TIMEOUT_MS = 30_000;

export interface EtcdLockContext {
  readonly client: Etcd3;
  readonly hosts: readonly string[];
  readonly leaseTtlSeconds: number;
  readonly callTimeoutMs: number;
  readonly logger: Logger;
}

/**
 * A blocking, lease-backed etcd lock (the classic etcd recipe, as Vitess's etcd2topo does): each contender
 * puts `<lockPrefix><leaseId>` attached to its own lease, then waits, in creation-revision order, for the
 * key created just before its own to disappear. Keys vanish on unlock (lease revoked) or when the owner dies
 * and stops renewing its lease (after at most the lease TTL). Fair (FIFO). A waiter that times out or is
 * aborted revokes its lease, which removes its key so that it does not block those queued behind it.
 *
 * `dirPrefix` is the prefix of the locked directory's values (to check it exists); `lockPrefix` ends in '/'.
 */
export async function acquireEtcdLock(
  ctx: EtcdLockContext,
  dirPrefix: string,
  lockPrefix: string,
  topoPath: string,
  purpose: string,
  options: LockOptions,
): Promise<LockDescriptor> {
  const { client, hosts } = ctx;
  const deadline = Date.now() + (options.timeoutMs ?? DEFAULT_TIMEOUT_MS);
  const signal = options.signal;
  if (signal?.aborted) throw interrupted(topoPath);
  const exists = await withDeadline(client.getAll().prefix(dirPrefix).limit(1).keys(), ctx.callTimeoutMs, () =>
    topoUnavailable(`etcd at ${hosts.join(',')}: no answer within ${ctx.callTimeoutMs} ms`),
  ).catch((e: unknown) => {
    throw fromEtcdError(e, hosts);
  });
  if (exists.length === 0) throw noNode(topoPath);

  const lease = client.lease(ctx.leaseTtlSeconds);
  const lost = new AbortController();
  lease.on('lost', (err) => {
    ctx.logger.warn({ path: topoPath, err: err.message }, 'topology lock lease lost');
    lost.abort();
  });
  try {
    const leaseId = await lease.grant();
    const myKey = lockPrefix + leaseId;
    const owner = JSON.stringify({ pid: process.pid, hostname: hostname(), purpose, time: new Date().toISOString() });
    const put = await client.put(myKey).value(owner).lease(leaseId).exec();
    const myRev = BigInt(put.header.revision);
    for (;;) {
      // The newest contender created before us; when none is left, the lock is ours.
      const before = await client
        .getAll()
        .prefix(lockPrefix)
        .maxCreateRevision(String(myRev - 1n))
        .sort('Create', 'Descend')
        .limit(1)
        .exec();
      const pred = before.kvs[0];
      if (pred === undefined) break;
      await waitForDelete(ctx, pred.key, BigInt(before.header.revision) + 1n, deadline, signal, lost.signal, topoPath);
    }
    if (lost.signal.aborted) throw topoUnavailable(`lost the lease of the lock on ${topoPath} while waiting`);
  } catch (e) {
    void lease.revoke().catch(() => {});
    if (!lost.signal.aborted) lost.abort();
    throw fromEtcdError(e, hosts);
  }
  let released = false;
  const descriptor: LockDescriptor = {
    lost: lost.signal,
    unlock: async () => {
      if (released) return;
      released = true;
      try {
        await withDeadline(lease.revoke(), ctx.callTimeoutMs, () => topoUnavailable('lease revoke timed out'));
      } catch (e) {
        // The key still expires with the lease once keep-alives stop (revoke() stops them either way).
        ctx.logger.warn({ path: topoPath, err: (e as Error).message }, 'could not revoke topology lock lease');
      }
    },
  };
  return descriptor;
}

/**
 * Resolves once `key` is deleted at or after `fromRevision`; Timeout / Interrupted otherwise, Unavailable if
 * our own lease is lost meanwhile (our queue position is gone).
 */
async function waitForDelete(
  ctx: EtcdLockContext,
  key: Buffer,
  fromRevision: bigint,
  deadline: number,
  signal: AbortSignal | undefined,
  leaseLost: AbortSignal,
  topoPath: string,
): Promise<void> {
  const creating = ctx.client.watch().key(key).startRevision(String(fromRevision)).create();
  const watcher = await withDeadline(creating, Math.max(0, deadline - Date.now()), () => lockTimeout(topoPath)).catch(
    (e: unknown) => {
      void creating.then((w) => w.cancel()).catch(() => {});
      throw e;
    },
  );
  try {
    await new Promise<void>((resolve, reject) => {
      const finish = (err?: Error): void => {
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        leaseLost.removeEventListener('abort', onLost);
        if (err === undefined) resolve();
        else reject(err);
      };
      const onAbort = (): void => finish(interrupted(topoPath));
      const onLost = (): void => finish(topoUnavailable(`lost the lease of the lock on ${topoPath} while waiting`));
      const timer = setTimeout(() => finish(lockTimeout(topoPath)), Math.max(0, deadline - Date.now()));
      signal?.addEventListener('abort', onAbort, { once: true });
      leaseLost.addEventListener('abort', onLost, { once: true });
      if (signal?.aborted) onAbort();
      else if (leaseLost.aborted) onLost();
      watcher.on('delete', () => finish());
      watcher.on('error', (err) => finish(fromEtcdError(err, ctx.hosts)));
    });
  } finally {
    void watcher.cancel().catch(() => {});
  }
}
