import { VtError } from '../errors/index.js';

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
