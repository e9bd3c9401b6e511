import { spawn, type ChildProcess } from 'node:child_process';
import { constants } from 'node:fs';
import { access, cp, mkdir, open, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { RowDataPacket } from 'mysql2';
import { createConnection, type Connection, type ConnectionOptions } from 'mysql2/promise';
import type { Env } from '../env/env.js';
import { Err, VtError } from '../errors/index.js';
import { defaultDbConfigs, type DbConfigs, type DbRole } from './db-configs.js';
import { initDbStatements } from './init-db-sql.js';
import { parseMyCnfEndpoints, renderMyCnf } from './my-cnf.js';
import { ensureMysqlTemplate } from './mysql-template.js';
import { defaultMysqlPort, mysqldPaths, validatePort, validateUid, type MysqldPaths } from './mysqld-paths.js';
import { fileSize, isProcessAlive, processArgv, readLogTail, readPidFile, waitForExit } from './process-utils.js';
import { findBinary } from './find-binary.js';
import { startFailure } from './start-failure.js';

export interface MysqldOptions {
  readonly uid: number;
  readonly env: Env;
  /** Defaults to env.dataRoot (VTDATAROOT). */
  readonly dataRoot?: string;
  /**
   * Directory holding the shared `.mysql-template` datadir; defaults to the data root. Test suites point every
   * temporary data root at one template so that mariadb-install-db runs once per machine.
   */
  readonly templateRoot?: string;
  /** Defaults to 17000 + uid. */
  readonly port?: number;
  /** Defaults to `<dir>/mysql.sock`. */
  readonly socket?: string;
  /** Written into my.cnf by init: fsync every commit. */
  readonly durable?: boolean;
  /** Path of a file appended to the generated my.cnf by init. */
  readonly extraMyCnf?: string;
  readonly dbConfigs?: DbConfigs;
  /** mariadbd / mariadb-install-db binaries; found on PATH or in /usr/sbin, /usr/bin when not given. */
  readonly mysqldBinary?: string;
  readonly installDbBinary?: string;
}

export interface MysqldStatus {
  readonly uid: number;
  readonly initialised: boolean;
  readonly running: boolean;
  readonly pid: number | undefined;
  readonly port: number;
  readonly paths: MysqldPaths;
}

export interface InitResult {
  /** True when this init ran mariadb-install-db because no template existed yet. */
  readonly templateBuilt: boolean;
  readonly pid: number;
  readonly ms: number;
}

const DEFAULT_START_TIMEOUT_MS = 30_000;
const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000;

/**
 * One tablet's mysqld (MariaDB 10.11): its directory, config, process and accounts. Construct with
 * `new Mysqld(opts)` for a new instance, or `await Mysqld.load(opts)` to pick up the port and socket an earlier
 * init wrote into my.cnf.
 *
 * The process is identified by the pid in mysqld.pid AND a command line naming this instance's my.cnf, so a
 * recycled pid is never signalled; nothing is ever killed by name.
 */
export class Mysqld {
  readonly uid: number;
  readonly port: number;
  readonly paths: MysqldPaths;
  readonly dbConfigs: DbConfigs;
  private readonly opts: MysqldOptions;
  private readonly env: Env;

  constructor(opts: MysqldOptions) {
    this.opts = opts;
    this.env = opts.env;
    this.uid = validateUid(opts.uid);
    this.port = opts.port === undefined ? defaultMysqlPort(this.uid) : validatePort(opts.port);
    this.paths = mysqldPaths(opts.dataRoot ?? opts.env.dataRoot, this.uid, opts.socket);
    this.dbConfigs = opts.dbConfigs ?? defaultDbConfigs();
  }

  /**
   * Like the constructor, but when an instance already exists its my.cnf supplies the port and socket that were
   * not given. Throws INVALID_ARGUMENT when a given port/socket contradicts my.cnf (re-init to change them).
   */
  static async load(opts: MysqldOptions): Promise<Mysqld> {
    const probe = new Mysqld({ ...opts, port: opts.port ?? 1, socket: opts.socket });
    let text: string;
    try {
      text = await readFile(probe.paths.cnf, 'utf8');
    } catch {
      return new Mysqld(opts);
    }
    const fromCnf = parseMyCnfEndpoints(text);
    const m = new Mysqld({ ...opts, port: opts.port ?? fromCnf.port, socket: opts.socket ?? fromCnf.socket });
    if (fromCnf.port !== undefined && m.port !== fromCnf.port) {
      throw Err.invalidArgument(
        `${m.paths.cnf} sets port ${fromCnf.port}, not ${m.port}; teardown and init again to change it`,
      );
    }
    if (fromCnf.socket !== undefined && m.paths.socket !== fromCnf.socket) {
      throw Err.invalidArgument(
        `${m.paths.cnf} sets socket ${fromCnf.socket}, not ${m.paths.socket}; teardown and init again to change it`,
      );
    }
    return m;
  }

  /** True once init has created the datadir and my.cnf. */
  async isInitialised(): Promise<boolean> {
    try {
      await access(this.paths.cnf, constants.R_OK);
      return (await stat(this.paths.dataDir)).isDirectory();
    } catch {
      return false;
    }
  }

  /** The pid of this instance's running mysqld, or undefined (no pid file, dead, or pid reused by another program). */
  async pid(): Promise<number | undefined> {
    const pid = await readPidFile(this.paths.pidFile);
    if (pid === undefined || !(await isProcessAlive(pid))) return undefined;
    const argv = await processArgv(pid);
    return argv?.includes(`--defaults-file=${this.paths.cnf}`) === true ? pid : undefined;
  }

  async isRunning(): Promise<boolean> {
    return (await this.pid()) !== undefined;
  }

  async status(): Promise<MysqldStatus> {
    const [initialised, pid] = await Promise.all([this.isInitialised(), this.pid()]);
    return { uid: this.uid, initialised, running: pid !== undefined, pid, port: this.port, paths: this.paths };
  }

  /**
   * Creates the instance from the template datadir, starts it and creates the vt_* accounts and the _vt
   * database, leaving it running with an empty GTID position. All or nothing: on any failure the mysqld is
   * stopped and the directory removed, and the error (with the error.log tail) is thrown.
   * Throws ALREADY_EXISTS (reason 'AlreadyInitialised') when the directory exists.
   */
  async init(o: { timeoutMs?: number } = {}): Promise<InitResult> {
    const started = Date.now();
    await mkdir(path.dirname(this.paths.dir), { recursive: true });
    try {
      await mkdir(this.paths.dir);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'EEXIST') {
        throw new VtError(
          'ALREADY_EXISTS',
          `tablet ${this.uid} is already initialised in ${this.paths.dir}; use start`,
          {
            reason: 'AlreadyInitialised',
          },
        );
      }
      throw Err.internal(`cannot create ${this.paths.dir}: ${(e as Error).message}`, e);
    }
    try {
      const extra = this.opts.extraMyCnf === undefined ? undefined : await readExtraCnf(this.opts.extraMyCnf);
      const template = await ensureMysqlTemplate({
        root: this.opts.templateRoot ?? this.opts.dataRoot ?? this.env.dataRoot,
        installDb: this.opts.installDbBinary ?? (await findBinary('mariadb-install-db')),
        logger: this.env.logger,
      });
      await cp(template.dataDir, this.paths.dataDir, { recursive: true });
      await mkdir(this.paths.tmpDir);
      const cnf = renderMyCnf({ uid: this.uid, port: this.port, paths: this.paths, durable: this.opts.durable, extra });
      await writeFile(this.paths.cnf, cnf);
      const pid = await this.start(o);
      await this.withConnection('root', async (c) => {
        for (const sql of initDbStatements(this.dbConfigs)) await c.query(sql);
        // Belt and braces: a template that logged something would leave GTIDs behind; clear them.
        const [state] = await c.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_state AS s');
        if (String(state[0]?.['s'] ?? '') !== '') await c.query('RESET MASTER');
      });
      const ms = Date.now() - started;
      this.env.logger.info({ uid: this.uid, dir: this.paths.dir, port: this.port, ms }, 'mysqld initialised');
      return { templateBuilt: template.built, pid, ms };
    } catch (e) {
      await this.shutdown({ timeoutMs: 10_000 }).catch(() => undefined);
      await rm(this.paths.dir, { recursive: true, force: true });
      throw VtError.from(e, 'INTERNAL');
    }
  }

  /**
   * Starts mysqld detached (its own session; stdout/stderr appended to error.log) and waits until it accepts
   * connections on the socket. Returns its pid. Throws NOT_FOUND when not initialised, FAILED_PRECONDITION
   * (reason 'AlreadyRunning') when it runs, and UNAVAILABLE with the error.log tail when mysqld exits or does
   * not get ready within timeoutMs (default 30 s; the late process is then stopped).
   */
  async start(o: { timeoutMs?: number } = {}): Promise<number> {
    if (!(await this.isInitialised())) {
      throw Err.notFound(`tablet ${this.uid} is not initialised (no ${this.paths.cnf}); run vt mysqlctl init`);
    }
    const running = await this.pid();
    if (running !== undefined) {
      throw new VtError('FAILED_PRECONDITION', `mysqld for tablet ${this.uid} is already running (pid ${running})`, {
        reason: 'AlreadyRunning',
      });
    }
    const binary = this.opts.mysqldBinary ?? (await findBinary('mariadbd'));
    const logOffset = await fileSize(this.paths.errorLog);
    const log = await open(this.paths.errorLog, 'a');
    let exit: string | undefined;
    let child: ChildProcess;
    try {
      child = spawn(binary, [`--defaults-file=${this.paths.cnf}`, '--user=root'], {
        detached: true,
        stdio: ['ignore', log.fd, log.fd],
      });
      await new Promise<void>((resolve, reject) => {
        child.once('spawn', resolve);
        child.once('error', (e: Error) => reject(Err.unavailable(`cannot run ${binary}: ${e.message}`)));
      });
    } finally {
      await log.close();
    }
    child.once('exit', (code, signal) => {
      exit = signal !== null ? `killed by ${signal}` : `exit code ${code ?? '?'}`;
    });
    child.unref();
    const pid = child.pid as number;
    const timeoutMs = o.timeoutMs ?? DEFAULT_START_TIMEOUT_MS;
    const ready = await this.pollReady(timeoutMs, () => exit !== undefined);
    if (!ready) {
      if (exit === undefined) {
        process.kill(pid, 'SIGKILL');
        await waitForExit(pid, 5_000);
      }
      const tail = await readLogTail(this.paths.errorLog, logOffset, 20);
      throw startFailure(this.uid, this.port, exit ?? `not ready after ${timeoutMs} ms`, tail);
    }
    this.env.logger.info({ uid: this.uid, pid, port: this.port, socket: this.paths.socket }, 'mysqld started');
    return pid;
  }

  /**
   * Waits until this instance's mysqld accepts connections on its socket (e.g. one started by another process).
   * Throws UNAVAILABLE with the error.log tail when it is not running (for 1 s in a row, so that a mysqld that has
   * not written its pid file yet counts as starting) or not ready within timeoutMs.
   */
  async waitReady(timeoutMs = DEFAULT_START_TIMEOUT_MS): Promise<void> {
    let notRunningSince: number | undefined;
    let gone = false;
    const ready = await this.pollReady(
      timeoutMs,
      () => gone,
      async () => {
        if (await this.isRunning()) notRunningSince = undefined;
        else notRunningSince ??= Date.now();
        gone = notRunningSince !== undefined && Date.now() - notRunningSince >= 1_000;
      },
    );
    if (!ready) {
      const tail = await readLogTail(this.paths.errorLog, 0, 20);
      throw startFailure(this.uid, this.port, gone ? 'mysqld is not running' : `not ready after ${timeoutMs} ms`, tail);
    }
  }

  /**
   * Stops this instance's mysqld: SIGTERM (a clean InnoDB shutdown) to the pid in mysqld.pid, then SIGKILL if it
   * has not exited after timeoutMs (default 30 s). Resolves when the process is gone; a stopped instance is a no-op.
   */
  async shutdown(o: { timeoutMs?: number } = {}): Promise<{ wasRunning: boolean; killed: boolean }> {
    const pid = await this.pid();
    if (pid === undefined) return { wasRunning: false, killed: false };
    process.kill(pid, 'SIGTERM');
    if (await waitForExit(pid, o.timeoutMs ?? DEFAULT_SHUTDOWN_TIMEOUT_MS)) {
      this.env.logger.info({ uid: this.uid, pid }, 'mysqld stopped');
      return { wasRunning: true, killed: false };
    }
    this.env.logger.warn({ uid: this.uid, pid }, 'mysqld did not stop in time; sending SIGKILL');
    process.kill(pid, 'SIGKILL');
    if (!(await waitForExit(pid, 10_000))) throw Err.internal(`mysqld pid ${pid} survived SIGKILL`);
    return { wasRunning: true, killed: true };
  }

  /** Stops the instance if it runs and removes its directory (and a socket placed outside it). */
  async teardown(o: { timeoutMs?: number } = {}): Promise<{ wasRunning: boolean; removed: boolean }> {
    const { wasRunning } = await this.shutdown(o);
    let removed = false;
    try {
      await stat(this.paths.dir);
      removed = true;
    } catch {
      // nothing to remove
    }
    await rm(this.paths.dir, { recursive: true, force: true });
    if (!this.paths.socket.startsWith(this.paths.dir + '/')) await rm(this.paths.socket, { force: true });
    return { wasRunning, removed };
  }

  /**
   * The primary's replication position: MariaDB's @@gtid_binlog_pos, a GTID set like "0-100-42" (empty right
   * after init). Throws UNAVAILABLE when mysqld cannot be reached.
   */
  async primaryPosition(): Promise<string> {
    return this.withConnection('dba', async (c) => {
      const [rows] = await c.query<RowDataPacket[]>('SELECT @@GLOBAL.gtid_binlog_pos AS pos');
      return String(rows[0]?.['pos'] ?? '');
    });
  }

  /** mysql2 options for one of the vt_* accounts (or the password-less root@localhost) via socket or TCP. */
  connectionOptions(role: DbRole | 'root', o: { tcp?: boolean; database?: string } = {}): ConnectionOptions {
    const cred = role === 'root' ? { user: 'root', password: '' } : this.dbConfigs[role];
    const where = o.tcp === true ? { host: '127.0.0.1', port: this.port } : { socketPath: this.paths.socket };
    return {
      ...where,
      user: cred.user,
      password: cred.password,
      charset: 'UTF8MB4_GENERAL_CI',
      ...(o.database === undefined ? {} : { database: o.database }),
    };
  }

  /** Opens a connection; the caller closes it. Connection failures become UNAVAILABLE VtErrors. */
  async connect(role: DbRole | 'root', o: { tcp?: boolean; database?: string } = {}): Promise<Connection> {
    try {
      return await createConnection(this.connectionOptions(role, o));
    } catch (e) {
      throw VtError.from(e, 'UNAVAILABLE');
    }
  }

  private async withConnection<T>(role: DbRole | 'root', fn: (c: Connection) => Promise<T>): Promise<T> {
    const c = await this.connect(role);
    try {
      return await fn(c);
    } catch (e) {
      throw VtError.from(e);
    } finally {
      await c.end().catch(() => undefined);
    }
  }

  /**
   * Polls the socket until a MySQL handshake completes. Any server reply, even access denied, proves that mysqld
   * accepts connections; only transport errors mean "not yet". False on timeout or when `stop()` turns true.
   */
  private async pollReady(timeoutMs: number, stop: () => boolean, refresh?: () => Promise<void>): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      await refresh?.();
      if (stop()) return false;
      try {
        const c = await createConnection({ ...this.connectionOptions('root'), connectTimeout: 2_000 });
        await c.end().catch(() => undefined);
        return true;
      } catch (e) {
        if (typeof (e as { errno?: unknown }).errno === 'number' && (e as { sqlState?: unknown }).sqlState) return true;
      }
      if (Date.now() >= deadline) return false;
      await sleep(25);
    }
  }
}

async function readExtraCnf(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw Err.invalidArgument(`cannot read --extra-my-cnf ${file}: ${(e as Error).message}`);
  }
}
