import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { Env } from '../env/env.js';
import type { CellInfo } from './records/cell-info.js';
import { openTopo, type OpenTopoOptions } from './topo-factory.js';
import { TopoServer } from './topo-server.js';

/**
 * Where a cell's store is, given the global store's options and the cell's CellInfo.
 * - etcd: the CellInfo's server address (the global one when empty) with the CellInfo root as key prefix.
 * - local: the cell root names a directory under the data root that holds the global store (its parent
 *   directory), so a Vitess-style root such as `/vitess/zone1` becomes `$VTDATAROOT/vitess/zone1` and a
 *   whole local cluster stays inside VTDATAROOT (two clusters never share a cell by accident).
 * - memory: a fresh in-process store (only useful within one process).
 */
export function cellTopoOptions(global: OpenTopoOptions, info: CellInfo): OpenTopoOptions {
  switch (global.implementation) {
    case 'etcd': {
      const serverAddress = info.server_address !== '' ? info.server_address : global.serverAddress;
      return { ...global, root: info.root, ...(serverAddress === undefined ? {} : { serverAddress }) };
    }
    case 'local': {
      const base = dirname(resolve(global.root));
      const rel = isAbsolute(info.root) ? info.root.replace(/^\/+/, '') : info.root;
      return { ...global, root: join(base, rel) };
    }
    default:
      return { ...global, root: info.root };
  }
}

/** Opens the global store and returns a TopoServer that opens cell stores per cellTopoOptions. */
export async function openTopoServer(global: OpenTopoOptions, env: Env): Promise<TopoServer> {
  const conn = await openTopo(global, env);
  return new TopoServer(conn, (info) => openTopo(cellTopoOptions(global, info), env), env);
}
