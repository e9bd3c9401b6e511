import { isReason } from '../errors/index.js';
import type { TopoConn } from '../topo/topo-conn.js';
import type { TopoServer } from '../topo/topo-server.js';
import { normalizePath } from '../topo/topo-path.js';
import { cellNotRegistered } from './cell-actions.js';

/** One node of the raw topology: a value (its text and version) or a directory (its children). */
export type TopologyNode =
  | { readonly path: string; readonly kind: 'value'; readonly data: string; readonly version: string }
  | { readonly path: string; readonly kind: 'dir'; readonly children: readonly { name: string; isDir: boolean }[] };

/**
 * Reads a raw path of the global store (or of `cell`'s store): its value if one is stored there, else its
 * directory listing. NOT_FOUND (the topo's "node doesn't exist: <path>") when neither exists.
 */
export async function getTopologyPath(
  ts: TopoServer,
  path: string,
  opts: { cell?: string } = {},
): Promise<TopologyNode> {
  const p = normalizePath(path, true);
  let conn: TopoConn = ts.global;
  if (opts.cell !== undefined) {
    const known = await ts.getCellInfoNames();
    if (!known.includes(opts.cell)) throw cellNotRegistered(opts.cell);
    conn = await ts.cellConn(opts.cell);
  }
  if (p !== '/') {
    try {
      const { value, version } = await conn.get(p);
      return { path: p, kind: 'value', data: value.toString('utf8'), version };
    } catch (e) {
      if (!isReason(e, 'NoNode')) throw e;
    }
  }
  const children = await conn.listDir(p);
  return { path: p, kind: 'dir', children: children.map((c) => ({ name: c.name, isDir: c.isDir })) };
}
