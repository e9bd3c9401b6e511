import { join } from 'node:path';
import { Flags } from '@oclif/core';
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
    default: 'local',
    env: 'VT_TOPO_IMPLEMENTATION',
    description: 'Topology backend: local (embedded store on this machine), etcd, or memory (this process only).',
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
  readonly 'topo-implementation': (typeof TOPO_IMPLEMENTATIONS)[number];
  readonly 'topo-global-server-address'?: string | undefined;
  readonly 'topo-global-root'?: string | undefined;
  readonly 'topo-root'?: string | undefined;
}

/**
 * Turns parsed flags into openTopo options, applying the defaults that depend on the implementation:
 * local -> --topo-root, else --topo-global-root, else `<dataRoot>/topo` (dataRoot defaults to VTDATAROOT or
 * ./vtdataroot); etcd -> --topo-global-root or /vitess/global. A missing etcd address is reported by openTopo.
 */
export function topoOptionsFromFlags(flags: TopoFlagValues, dataRoot: string = defaultDataRoot()): OpenTopoOptions {
  const implementation = flags['topo-implementation'];
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
