import { spawn } from 'node:child_process';
import { mkdir, open, rename, rm, stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { Err } from '../errors/index.js';
import type { Logger } from '../env/logger.js';
import { isProcessAlive, readPidFile } from './process-utils.js';

export interface MysqlTemplateOptions {
  /** Directory that holds `.mysql-template` (normally the data root). */
  readonly root: string;
  /** mariadb-install-db binary. */
  readonly installDb: string;
  readonly logger: Logger;
  /** How long to wait for another process that is building the template; default 120 s. */
  readonly lockTimeoutMs?: number;
}

/**
 * An initialised, never-started datadir under `<root>/.mysql-template/data`, built once per root by
 * mariadb-install-db (~1 s) and copied for each instance (~0.1 s).
 *
 * Concurrency: builders serialise on `.mysql-template.lock` (O_EXCL file holding the builder's pid; a lock whose
 * pid is dead is stale and taken over). The template is built in a scratch directory and renamed into place, so
 * its presence always means complete, even after a crash mid-build.
 * Returns the template's data directory and whether this call built it.
 */
export async function ensureMysqlTemplate(o: MysqlTemplateOptions): Promise<{ dataDir: string; built: boolean }> {
  const root = path.resolve(o.root);
  const templateDir = path.join(root, '.mysql-template');
  const dataDir = path.join(templateDir, 'data');
  if (await exists(dataDir)) return { dataDir, built: false };

  await mkdir(root, { recursive: true });
  const lockFile = path.join(root, '.mysql-template.lock');
  const deadline = Date.now() + (o.lockTimeoutMs ?? 120_000);
  for (;;) {
    if (await tryLock(lockFile)) break;
    if (await exists(dataDir)) return { dataDir, built: false };
    const holder = await readPidFile(lockFile);
    if (holder !== undefined && !(await isProcessAlive(holder))) {
      o.logger.warn({ lockFile, pid: holder }, 'removing stale mysql template lock');
      await unlink(lockFile).catch(() => undefined);
      continue;
    }
    if (Date.now() >= deadline) {
      throw Err.unavailable(
        `timed out waiting for ${lockFile} (held by pid ${holder ?? '?'}) while building the mysql template`,
      );
    }
    await sleep(50);
  }

  try {
    if (await exists(dataDir)) return { dataDir, built: false };
    const scratch = path.join(root, `.mysql-template.build-${process.pid}`);
    await rm(scratch, { recursive: true, force: true });
    await mkdir(scratch, { recursive: true });
    const started = Date.now();
    await runInstallDb(o.installDb, path.join(scratch, 'data'));
    await rename(scratch, templateDir);
    o.logger.info({ templateDir, ms: Date.now() - started }, 'built mysql template datadir');
    return { dataDir, built: true };
  } finally {
    await unlink(lockFile).catch(() => undefined);
  }
}

async function tryLock(lockFile: string): Promise<boolean> {
  try {
    const fh = await open(lockFile, 'wx');
    try {
      await fh.writeFile(`${process.pid}\n`);
    } finally {
      await fh.close();
    }
    return true;
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw Err.internal(`cannot create ${lockFile}: ${(e as Error).message}`, e);
  }
}

async function exists(p: string): Promise<boolean> {
  try {
    await stat(p);
    return true;
  } catch {
    return false;
  }
}

/**
 * The template is created with the same InnoDB sizes as the generated my.cnf (so the first start does not
 * rebuild the redo log), without the test database, and with a password-less root@localhost ('normal' auth)
 * that init uses over the socket to create the vt_* accounts.
 */
function runInstallDb(installDb: string, dataDir: string): Promise<void> {
  const args = [
    '--no-defaults',
    `--datadir=${dataDir}`,
    '--user=root',
    '--auth-root-authentication-method=normal',
    '--skip-test-db',
    '--skip-name-resolve',
    '--innodb-buffer-pool-size=32M',
    '--innodb-log-file-size=16M',
  ];
  return new Promise((resolve, reject) => {
    const child = spawn(installDb, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const collect = (b: Buffer): void => {
      output = (output + b.toString('utf8')).slice(-8192);
    };
    child.stdout.on('data', collect);
    child.stderr.on('data', collect);
    child.on('error', (e) => reject(Err.unavailable(`cannot run ${installDb}: ${e.message}`)));
    child.on('exit', (code, signal) => {
      if (code === 0) return resolve();
      const tail = output
        .split('\n')
        .filter((l) => l.trim() !== '')
        .slice(-20)
        .join('\n');
      reject(Err.internal(`${installDb} failed (${signal ?? `exit ${code}`}):\n${tail}`));
    });
  });
}
