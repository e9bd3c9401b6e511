import { join } from 'node:path';
import { Flags } from '@oclif/core';
import { recordedTopoOptions } from '../core/cluster/cluster-state.js';
import { defaultDataRoot } from '../core/env/env.js';
import { TOPO_IMPLEMENTATIONS, type OpenTopoOptions } from '../core/topo/topo-factory.js';

export const DEFAULT_ETCD_GLOBAL_ROOT = '/vitess/global';

/**
 * The topology flags every command that talks to the topology accepts, with Vitess's names. Each can also
 * come from the environment (VT_TOPO_*), so `vt up` can hand the same topology to every process it starts.
 * `memory` is accepted for completeness but is only useful within one process.
 */
export const topoFlags = {
  'topo-implementation': Flags.option({
    options: TOPO_IMPLEMENTATIONS,
    env: 'VT_TOPO_IMPLEMENTATION',
    description:
      'Topology backend: local (embedded store on this machine), etcd, or memory (this process only). Default: the topology recorded by `vt up` in $VTDATAROOT/cluster.json, else local.',
    helpGroup: 'TOPOLOGY',
  })(),
  'topo-global-server-address': Flags.string({
    env: 'VT_TOPO_GLOBAL_SERVER_ADDRESS',
    description: 'etcd client address(es): host:port, or a comma-separated list (http:// optional).',
    helpGroup: 'TOPOLOGY',
  }),
  'topo-global-root': Flags.string({
    env: 'VT_TOPO_GLOBAL_ROOT',
    description: `Root of the global topology: the etcd key prefix (default ${DEFAULT_ETCD_GLOBAL_ROOT}), or for the local store its directory (default $VTDATAROOT/topo).`,
    helpGroup: 'TOPOLOGY',
  }),
  'topo-root': Flags.string({
    env: 'VT_TOPO_ROOT',
    description: 'Directory of the local topology store (overrides --topo-global-root for local).',
    helpGroup: 'TOPOLOGY',
  }),
};

/** The parsed values of topoFlags (what `this.parse()` returns for them). */
export interface TopoFlagValues {
  readonly 'topo-implementation'?: (typeof TOPO_IMPLEMENTATIONS)[number] | undefined;
  readonly 'topo-global-server-address'?: string | undefined;
  readonly 'topo-global-root'?: string | undefined;
  readonly 'topo-root'?: string | undefined;
}

/**
 * Turns parsed flags into openTopo options. Without any topology flag or VT_TOPO_* variable, the topology recorded
 * in `<dataRoot>/cluster.json` by `vt up` wins. Then the defaults that depend on the implementation apply:
 * local -> --topo-root, else --topo-global-root, else `<dataRoot>/topo` (dataRoot defaults to VTDATAROOT or
 * ./vtdataroot); etcd -> --topo-global-root or /vitess/global. A missing etcd address is reported by openTopo.
 */
export function topoOptionsFromFlags(flags: TopoFlagValues, dataRoot: string = defaultDataRoot()): OpenTopoOptions {
  const given = flags['topo-implementation'];
  if (given === undefined && flags['topo-root'] === undefined && flags['topo-global-root'] === undefined) {
    // No topology named at all: use the one `vt up` recorded for this data root, so `vt ctl ...` run next to
    // an etcd-backed local cluster needs no flags either.
    const recorded = recordedTopoOptions(dataRoot);
    if (recorded !== undefined) return recorded;
  }
  const implementation = given ?? 'local';
  const serverAddress = flags['topo-global-server-address'];
  switch (implementation) {
    case 'local':
      return { implementation, root: flags['topo-root'] ?? flags['topo-global-root'] ?? join(dataRoot, 'topo') };
    case 'etcd':
      return {
        implementation,
        root: flags['topo-global-root'] ?? DEFAULT_ETCD_GLOBAL_ROOT,
        ...(serverAddress === undefined ? {} : { serverAddress }),
      };
    case 'memory':
      return { implementation, root: '/' };
  }
}
