import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import mysql from 'mysql2/promise';

/**
 * A throwaway mariadbd for the tablet query-engine tests: its own datadir under os.tmpdir(), a unix socket and a
 * free TCP port, root over the socket. `kill()` SIGKILLs it (to test mysqld death) and `start()` brings it back on
 * the same datadir/socket/port. `destroy()` stops it and removes the directory.
 */
export class TabletMysqld {
  private proc: ChildProcess | undefined;

  private constructor(
    readonly dir: string,
    readonly socketPath: string,
    readonly port: number,
  ) {}

  static async create(): Promise<TabletMysqld> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'vt-tablet-qe-'));
    const dataDir = path.join(dir, 'data');
    await run('mariadb-install-db', [
      '--no-defaults',
      `--datadir=${dataDir}`,
      '--auth-root-authentication-method=normal',
      '--skip-test-db',
      '--user=root',
    ]);
    const m = new TabletMysqld(dir, path.join(dir, 'mysql.sock'), await freePort());
    await m.start();
    return m;
  }

  /** Starts mariadbd and resolves once root can connect over the socket (fails after 30 s). */
  async start(): Promise<void> {
    const proc = spawn(
      'mariadbd',
      [
        '--no-defaults',
        `--datadir=${path.join(this.dir, 'data')}`,
        `--socket=${this.socketPath}`,
        `--port=${this.port}`,
        '--bind-address=127.0.0.1',
        `--pid-file=${path.join(this.dir, 'mysqld.pid')}`,
        `--log-error=${path.join(this.dir, 'error.log')}`,
        '--user=root',
        '--innodb-buffer-pool-size=32M',
        '--performance-schema=OFF',
        '--innodb-lock-wait-timeout=5',
        '--max-connections=500',
      ],
      { stdio: 'ignore' },
    );
    this.proc = proc;
    const deadline = Date.now() + 30_000;
    for (;;) {
      if (proc.exitCode !== null) throw new Error(`mariadbd exited with ${proc.exitCode}; see ${this.dir}/error.log`);
      try {
        const c = await mysql.createConnection({ socketPath: this.socketPath, user: 'root' });
        await c.end();
        return;
      } catch {
        if (Date.now() > deadline) throw new Error(`mariadbd not ready after 30 s; see ${this.dir}/error.log`);
        await sleep(50);
      }
    }
  }

  /** SIGKILLs mariadbd and waits for the process to be gone. */
  async kill(): Promise<void> {
    await this.stopWith('SIGKILL');
  }

  async destroy(): Promise<void> {
    await this.stopWith('SIGTERM');
    await rm(this.dir, { recursive: true, force: true });
  }

  /** A root connection over the socket, for test setup and checks. */
  rootConnection(database?: string): Promise<mysql.Connection> {
    return mysql.createConnection({ socketPath: this.socketPath, user: 'root', ...(database ? { database } : {}) });
  }

  private async stopWith(signal: NodeJS.Signals): Promise<void> {
    const proc = this.proc;
    this.proc = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    proc.kill(signal);
    const timer = setTimeout(() => proc.kill('SIGKILL'), 20_000);
    await exited;
    clearTimeout(timer);
  }
}

function run(cmd: string, args: string[]): Promise<void> {
  return new Promise((resolve, reject) => {
    const p = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.on('error', reject);
    p.on('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited with ${code}: ${err}`))));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const addr = s.address();
      const port = typeof addr === 'object' && addr ? addr.port : 0;
      s.close(() => resolve(port));
    });
  });
}
