import type { Etcd3, Watcher } from 'etcd3';
import type { WatchResult } from './topo-conn.js';
import { fromEtcdError } from './etcd-errors.js';
import { interrupted, noNode, topoUnavailable } from './topo-errors.js';
import { WatchStream } from './watch-stream.js';

/**
 * Watches one etcd key. The initial value comes from a get; the etcd watch starts at that get's revision + 1,
 * so no change in between is missed and none is reported twice. When the watch stream to etcd drops
 * (server down, connection lost) or etcd refuses it, the changes iterable throws Unavailable after the events
 * already received, and the caller re-watches. Establishing the watch is bounded by `deadlineMs`.
 */
export async function watchEtcdKey(
  client: Etcd3,
  key: string,
  topoPath: string,
  hosts: readonly string[],
  deadlineMs: number,
  signal: AbortSignal | undefined,
  register: (stop: () => void) => () => void,
): Promise<WatchResult> {
  if (signal?.aborted) throw interrupted(topoPath);
  const res = await withDeadline(client.get(key).exec(), deadlineMs, () =>
    topoUnavailable(`etcd at ${hosts.join(',')}: no answer within ${deadlineMs} ms`),
  ).catch((e: unknown) => {
    throw fromEtcdError(e, hosts);
  });
  const kv = res.kvs[0];
  if (kv === undefined) throw noNode(topoPath);
  const creating = client
    .watch()
    .key(key)
    .startRevision(String(BigInt(res.header.revision) + 1n))
    .create();
  const watcher = await withDeadline(creating, deadlineMs, () =>
    topoUnavailable(`etcd at ${hosts.join(',')}: could not establish a watch on ${topoPath} in time`),
  ).catch((e: unknown) => {
    void creating.then((w) => w.cancel()).catch(() => {}); // a watch that arrives late must not leak
    throw fromEtcdError(e, hosts);
  });
  let unregister: (() => void) | undefined;
  const stream = new WatchStream(() => {
    unregister?.();
    void watcher.cancel().catch(() => {});
  }, signal);
  if (!stream.isEnded) {
    unregister = register(() => stream.end());
    attach(watcher, stream, topoPath, hosts);
  }
  return { current: { value: Buffer.from(kv.value), version: kv.mod_revision }, changes: stream };
}

function attach(watcher: Watcher, stream: WatchStream, topoPath: string, hosts: readonly string[]): void {
  watcher.on('put', (kv) => stream.push({ kind: 'changed', value: Buffer.from(kv.value), version: kv.mod_revision }));
  watcher.on('delete', () => stream.push({ kind: 'deleted' }));
  watcher.on('error', (err) => stream.fail(fromEtcdError(err, hosts)));
  // etcd3 would silently reconnect (forever, with backoff) and resume; we surface the loss instead, so a
  // consumer learns that etcd is unreachable and re-watches (which fails Unavailable until it is back).
  watcher.on('disconnected', (err) => stream.fail(fromEtcdError(err, hosts)));
  watcher.on('end', () => stream.fail(topoUnavailable(`etcd watch on ${topoPath} ended`)));
}

export function withDeadline<T>(p: Promise<T>, ms: number, onTimeout: () => Error): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(onTimeout()), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}
