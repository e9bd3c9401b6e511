import { VtError } from '../errors/index.js';
import type { DirEntry } from './topo-conn.js';
import { noNode } from './topo-errors.js';

/** Names starting with this are the backends' own bookkeeping (lock files, temp files): refused in paths. */
export const RESERVED_PREFIX = '.vt-';

/**
 * Topology path rules shared by all backends: absolute, '/'-separated, no empty, '.' or '..' segments, no
 * trailing slash (except the root '/' itself, which only listDir accepts). Returns the segments.
 */
export function splitPath(path: string, allowRoot = false): string[] {
  if (typeof path !== 'string' || !path.startsWith('/')) {
    throw new VtError('INVALID_ARGUMENT', `topology path must be absolute: ${JSON.stringify(path)}`);
  }
  if (path === '/') {
    if (allowRoot) return [];
    throw new VtError('INVALID_ARGUMENT', 'topology path "/" holds no value');
  }
  const parts = path.slice(1).split('/');
  for (const p of parts) {
    if (p === '' || p === '.' || p === '..' || p.includes('\0')) {
      throw new VtError('INVALID_ARGUMENT', `invalid topology path: ${JSON.stringify(path)}`);
    }
    if (p.startsWith(RESERVED_PREFIX)) {
      throw new VtError('INVALID_ARGUMENT', `topology path segment ${JSON.stringify(p)} is reserved: ${path}`);
    }
  }
  return parts;
}

/** Normalised form of a valid path ('/a/b'); '/' for the root. */
export function normalizePath(path: string, allowRoot = false): string {
  return '/' + splitPath(path, allowRoot).join('/');
}

/**
 * The immediate children under `prefix` (which ends in '/') of a flat list of keys, sorted by name, as listDir
 * returns them: a child is a directory when some key continues below it. Bookkeeping names are left out.
 * Fails NoNode (naming `dirPath`) when there is none.
 */
export function dirEntriesOf(keys: Iterable<string>, prefix: string, dirPath: string): DirEntry[] {
  const children = new Map<string, boolean>();
  for (const k of keys) {
    if (!k.startsWith(prefix)) continue;
    const rest = k.slice(prefix.length);
    const slash = rest.indexOf('/');
    const name = slash < 0 ? rest : rest.slice(0, slash);
    if (name === '' || name.startsWith(RESERVED_PREFIX)) continue;
    children.set(name, (children.get(name) ?? false) || slash >= 0);
  }
  if (children.size === 0) throw noNode(dirPath);
  return [...children.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, isDir]) => ({ name, isDir }));
}
