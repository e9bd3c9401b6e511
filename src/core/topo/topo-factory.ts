import type { Env } from '../env/env.js';
import { Err } from '../errors/index.js';
import { LocalTopo } from './local-topo.js';
import { MemoryTopo } from './memory-topo.js';
import type { TopoConn } from './topo-conn.js';

export type TopoImplementation = 'memory' | 'local' | 'etcd';

export const TOPO_IMPLEMENTATIONS: readonly TopoImplementation[] = ['memory', 'local', 'etcd'];

export interface OpenTopoOptions {
  readonly implementation: TopoImplementation;
  /** etcd only: 'host:port' or a comma-separated list, with or without 'http://'. */
  readonly serverAddress?: string;
  /** local: the store directory. etcd: the key prefix, e.g. '/vitess/global'. memory: ignored. */
  readonly root: string;
  /** etcd only: TTL of the lease behind a held lock (default 30 s); tests use 2-3 s. */
  readonly lockLeaseTtlSeconds?: number;
  /** local only: a lock whose heartbeat is older than this is taken over (default 10 s). */
  readonly lockStaleMs?: number;
}

/**
 * Opens a topology connection. Fails INVALID_ARGUMENT on an unknown implementation or a missing etcd
 * address; never contacts the server here (the first call reports 'Unavailable' if it is down).
 */
export async function openTopo(options: OpenTopoOptions, env: Env): Promise<TopoConn> {
  switch (options.implementation) {
    case 'memory':
      return new MemoryTopo();
    case 'local':
      return LocalTopo.open({ root: options.root, env, staleMs: options.lockStaleMs });
    case 'etcd': {
      if (options.serverAddress === undefined || options.serverAddress.trim() === '') {
        throw Err.invalidArgument('--topo-global-server-address is required for the etcd topology');
      }
      // Loaded on demand: etcd3 + gRPC cost ~0.3 s to import, which every local-store CLI call would pay.
      const { EtcdTopo } = await import('./etcd-topo.js');
      return new EtcdTopo({
        hosts: parseEtcdAddress(options.serverAddress),
        root: options.root,
        env,
        leaseTtlSeconds: options.lockLeaseTtlSeconds,
      });
    }
    default:
      throw Err.invalidArgument(
        `unknown topology implementation ${JSON.stringify(options.implementation)} (want memory, local or etcd)`,
      );
  }
}

/** 'a:2379,http://b:2379' -> ['http://a:2379', 'http://b:2379']. */
export function parseEtcdAddress(address: string): string[] {
  const hosts = address
    .split(',')
    .map((h) => h.trim())
    .filter((h) => h !== '')
    .map((h) => (/^https?:\/\//.test(h) ? h : `http://${h}`));
  if (hosts.length === 0) throw Err.invalidArgument(`invalid etcd server address ${JSON.stringify(address)}`);
  for (const h of hosts) {
    try {
      new URL(h);
    } catch {
      throw Err.invalidArgument(`invalid etcd server address ${JSON.stringify(h)}`);
    }
  }
  return hosts;
}
