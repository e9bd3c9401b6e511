import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Env } from '../../src/core/env/env.js';
import { silentLogger } from '../../src/core/env/logger.js';
import { VtError } from '../../src/core/errors/index.js';
import { Mysqld, type DbConfigs } from '../../src/core/mysqlctl/index.js';

/**
 * Real mysqlds for e2e suites: `const db = await startMysqlds(2)` in beforeAll, `await db.stopAll()` in afterAll.
 * Instances are initialised and started in parallel, on free TCP ports, in a temporary data root; all suites share
 * one template datadir under os.tmpdir() so that mariadb-install-db runs once per machine.
 */
export interface StartMysqldsOptions {
  /** Data root for the instances; default a fresh temp dir, removed by stopAll(). */
  readonly dataRoot?: string;
  /** Ports basePort, basePort+1, ...; default: free ports picked by binding port 0. */
  readonly basePort?: number;
  /** uids baseUid, baseUid+1, ... (also server_ids); default 100. */
  readonly baseUid?: number;
  readonly dbConfigs?: DbConfigs;
  readonly env?: Env;
  /** Per-instance start timeout; default 30 s. */
  readonly timeoutMs?: number;
}

export interface StartedMysqlds {
  readonly instances: readonly Mysqld[];
  readonly dataRoot: string;
  /** Tears every instance down (SIGTERM, SIGKILL fallback) and removes a temp data root. Safe to call twice. */
  stopAll(): Promise<void>;
}

/** Shared by every suite on this machine; guarded by ensureMysqlTemplate's lock. */
export const TEST_TEMPLATE_ROOT = path.join(os.tmpdir(), 'vt-test-mysql-template');

/** `count` distinct ports that were free a moment ago (all held open together so that they differ). */
export async function freePorts(count: number): Promise<number[]> {
  const servers = await Promise.all(
    Array.from(
      { length: count },
      () =>
        new Promise<net.Server>((resolve, reject) => {
          const s = net.createServer();
          s.once('error', reject);
          s.listen(0, '127.0.0.1', () => resolve(s));
        }),
    ),
  );
  const ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  await Promise.all(servers.map((s) => new Promise<void>((resolve) => s.close(() => resolve()))));
  return ports;
}

export async function startMysqlds(count: number, o: StartMysqldsOptions = {}): Promise<StartedMysqlds> {
  const ownRoot = o.dataRoot === undefined;
  const dataRoot = o.dataRoot ?? (await mkdtemp(path.join(os.tmpdir(), 'vt-mysqld-')));
  const env: Env = o.env ?? { logger: silentLogger, dataRoot };
  const baseUid = o.baseUid ?? 100;
  const ports =
    o.basePort === undefined ? await freePorts(count) : Array.from({ length: count }, (_, i) => o.basePort! + i);
  const instances: Mysqld[] = [];
  // If the test process exits without afterAll, do not leave mysqlds behind. The handler must be synchronous; it
  // signals only a pid whose command line names one of these instances' my.cnf.
  const onExit = (): void => {
    for (const m of instances) {
      try {
        const pid = Number.parseInt(readFileSync(m.paths.pidFile, 'utf8').trim(), 10);
        if (readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(`--defaults-file=${m.paths.cnf}`))
          process.kill(pid, 'SIGKILL');
      } catch {
        // not running
      }
    }
  };
  process.on('exit', onExit);

  const make = (i: number, port: number): Mysqld =>
    new Mysqld({ uid: baseUid + i, env, dataRoot, port, templateRoot: TEST_TEMPLATE_ROOT, dbConfigs: o.dbConfigs });

  const results = await Promise.allSettled(
    ports.map(async (port, i) => {
      let m = make(i, port);
      // A picked-free port can be taken by another suite before mysqld binds it: retry on a new one.
      for (let attempt = 0; ; attempt++) {
        try {
          await m.init({ timeoutMs: o.timeoutMs });
          return m;
        } catch (e) {
          const portTaken = e instanceof VtError && e.message.includes('is already in use');
          if (!portTaken || o.basePort !== undefined || attempt >= 3) throw e;
          m = make(i, (await freePorts(1))[0]!);
        }
      }
    }),
  );
  for (const r of results) if (r.status === 'fulfilled') instances.push(r.value);

  let stopped = false;
  const stopAll = async (): Promise<void> => {
    if (stopped) return;
    stopped = true;
    await Promise.all(instances.map((m) => m.teardown({ timeoutMs: 10_000 }).catch(() => undefined)));
    process.off('exit', onExit);
    if (ownRoot) await rm(dataRoot, { recursive: true, force: true });
  };

  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed !== undefined) {
    await stopAll();
    throw failed.reason;
  }
  return { instances, dataRoot, stopAll };
}
