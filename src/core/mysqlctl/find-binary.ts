import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import { Err } from '../errors/index.js';

/** Debian installs mariadbd in /usr/sbin, which is not on every user's PATH. */
const EXTRA_DIRS = ['/usr/sbin', '/usr/bin', '/usr/local/sbin', '/usr/local/bin'];

/** The absolute path of an executable found on PATH or in the usual system dirs; NOT_FOUND otherwise. */
export async function findBinary(name: string): Promise<string> {
  const dirs = [...(process.env['PATH'] ?? '').split(path.delimiter).filter((d) => d !== ''), ...EXTRA_DIRS];
  for (const dir of dirs) {
    const candidate = path.join(dir, name);
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // keep looking
    }
  }
  throw Err.notFound(`${name} not found on PATH or in ${EXTRA_DIRS.join(', ')}; install mariadb-server`);
}
