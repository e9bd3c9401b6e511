import { setTimeout as sleep } from 'node:timers/promises';
import type { Env } from '../env/env.js';
import { Err, VtError } from '../errors/index.js';
import type { ServiceImpl } from '../rpc/index.js';
import { splitStatements } from '../sql/split-statements.js';
import { queryResult, type QueryResult } from '../sqltypes/index.js';
import type { DbaConnector, DbaSession } from './dba-connector.js';
import type { FetchRequest, FullStatus, ReplicationSourceSpec, TabletManagerService } from './query-service.js';
import * as repl from './replication.js';
import type { StateManager } from './state-manager.js';
import { readSchema } from './tablet-manager-schema.js';
import type { TabletType } from './tablet-target.js';

export interface TabletManagerOptions {
  readonly env: Env;
  readonly state: StateManager;
  /** The tablet's database (vt_<keyspace>). */
  readonly dbName: string;
  /** vt_dba with `dbName` as default database. */
  readonly dba: DbaConnector;
  /** vt_app with `dbName` as default database. */
  readonly app: DbaConnector;
  /** The account replicas use to connect to their primary (vt_repl). */
  readonly replUser: { readonly user: string; readonly password: string };
  /** Persists a type change: state manager, health stream and the Tablet record in the topology. */
  readonly changeType: (type: TabletType, primaryTermStartTime?: string | null) => Promise<void>;
  /** Refreshes health now (after changes that affect it). */
  readonly probeHealth: () => Promise<void>;
}

type Methods = typeof TabletManagerService.methods;

const DEFAULT_MAX_ROWS = 10_000;
const DEFAULT_WAIT_MS = 30_000;

/**
 * The TabletManager RPCs (Vitess's tabletmanager service): schema, admin queries, type changes and MariaDB
 * replication control, over per-call dba connections. Every failure is a VtError; mysqld errors keep their
 * errno/SQLSTATE. Calls that change replication, read_only or the type run one at a time (in arrival order), so
 * two operators cannot interleave e.g. InitReplica and SetReplicationSource on one tablet; reads run freely.
 * Cross-tablet consistency is the callers' job (ctl actions hold the shard lock, as in Vitess).
 */
export class TabletManager implements ServiceImpl<Methods> {
  /** Set by StopReplication, cleared by Start/Set/Init: the health checker must not restart replication then. */
  replicationStoppedOnPurpose = false;
  /** Tail of the chain that runs state-changing actions one at a time (Vitess's tablet action lock). */
  private actions: Promise<unknown> = Promise.resolve();

  constructor(private readonly o: TabletManagerOptions) {}

  Ping(req: { payload: string }): { payload: string } {
    return { payload: req.payload };
  }

  GetSchema(req: { tables?: readonly string[] }) {
    return this.o.dba.withSession((s) => readSchema(s, this.o.dbName, req.tables), { database: '' });
  }

  /** vt keeps no schema cache in the tablet yet (plans are re-derived from SQL text), so this only checks mysqld. */
  async ReloadSchema(): Promise<void> {
    await this.o.dba.query('SELECT 1');
  }

  ApplySchema(req: { sql: string; disableBinlogs?: boolean }) {
    return this.serial(async () => {
      const statements = splitStatements(req.sql ?? '');
      if (statements.length === 0) throw Err.invalidArgument('ApplySchema: no SQL statements given');
      return this.o.dba.withSession(async (s) => {
        const beforeSchema = await readSchema(s, this.o.dbName);
        if (req.disableBinlogs) await s.exec('SET SESSION sql_log_bin = 0');
        for (const sql of statements) await s.exec(sql);
        const afterSchema = await readSchema(s, this.o.dbName);
        return { beforeSchema, afterSchema };
      });
    });
  }

  ExecuteFetchAsDba(req: FetchRequest): Promise<QueryResult> {
    return this.fetch(this.o.dba, req, req.disableBinlogs === true);
  }

  ExecuteFetchAsApp(req: FetchRequest): Promise<QueryResult> {
    return this.fetch(this.o.app, req, false);
  }

  ChangeType(req: { tabletType: TabletType }): Promise<void> {
    return this.serial(async () => {
      const to = String(req.tabletType ?? '').toLowerCase() as TabletType;
      if (to === 'primary') {
        throw Err.failedPrecondition('ChangeType cannot make a tablet primary: use init-shard-primary or a reparent');
      }
      if (!['replica', 'rdonly', 'spare', 'drained', 'backup', 'restore'].includes(to)) {
        throw Err.invalidArgument(`ChangeType: invalid tablet type "${String(req.tabletType)}"`);
      }
      if (this.o.state.type === 'primary') {
        throw Err.failedPrecondition(`tablet ${this.o.state.alias} is the primary; reparent before changing its type`);
      }
      await this.o.changeType(to);
    });
  }

  SetReadOnly(): Promise<void> {
    return this.serial(async () => {
      await repl.setReadOnly(this.o.dba, true);
    });
  }

  SetReadWrite(): Promise<void> {
    return this.serial(async () => {
      await repl.setReadOnly(this.o.dba, false);
    });
  }

  async PrimaryPosition(): Promise<{ position: string }> {
    return { position: await repl.primaryPosition(this.o.dba) };
  }

  async WaitForPosition(req: { position: string; timeoutMs?: number }): Promise<void> {
    await this.o.dba.withSession((s) => repl.waitForPosition(s, req.position, req.timeoutMs ?? DEFAULT_WAIT_MS));
  }

  StopReplication(): Promise<void> {
    return this.serial(async () => {
      this.replicationStoppedOnPurpose = true;
      await repl.stopReplication(this.o.dba);
      await this.o.probeHealth();
    });
  }

  StartReplication(): Promise<void> {
    return this.serial(async () => {
      this.replicationStoppedOnPurpose = false;
      await repl.startReplication(this.o.dba);
      await this.o.probeHealth();
    });
  }

  SetReplicationSource(req: ReplicationSourceSpec): Promise<void> {
    return this.serial(async () => {
      this.replicationStoppedOnPurpose = false;
      await this.o.dba.withSession((s) => repl.setReplicationSource(s, this.source(req), true));
      await this.o.probeHealth();
    });
  }

  async ReplicationStatus() {
    return { status: await this.o.dba.withSession((s) => repl.replicationStatus(s)) };
  }

  /** Makes this tablet a writable primary with no source, type PRIMARY and a new term starting now. */
  InitPrimary(): Promise<{ position: string; primaryTermStartTime: string }> {
    return this.serial(async () => {
      const position = await this.o.dba.withSession((s) => repl.initPrimary(s));
      const primaryTermStartTime = new Date().toISOString();
      await this.o.changeType('primary', primaryTermStartTime);
      await this.o.probeHealth();
      return { position, primaryTermStartTime };
    });
  }

  /**
   * Makes this tablet a read-only replica of the given primary from `position` (type REPLICA if it was a
   * primary), then with `timeCreatedNs` waits for that reparent journal row to arrive: proof that it
   * replicates from the new primary. DEADLINE_EXCEEDED names the replication state when it does not.
   */
  InitReplica(req: {
    primaryAlias: string;
    host: string;
    port: number;
    position: string;
    timeCreatedNs?: bigint;
    waitTimeoutMs?: number;
  }): Promise<void> {
    return this.serial(async () => {
      this.replicationStoppedOnPurpose = false;
      await this.o.dba.withSession((s) => repl.initReplica(s, this.source(req), req.position ?? ''));
      if (this.o.state.type === 'primary') await this.o.changeType('replica');
      await this.o.probeHealth();
      if (req.timeCreatedNs === undefined || req.timeCreatedNs === null) return;
      const deadline = Date.now() + (req.waitTimeoutMs ?? DEFAULT_WAIT_MS);
      await this.o.dba.withSession(async (s) => {
        while (!(await repl.hasReparentJournalEntry(s, BigInt(req.timeCreatedNs!)))) {
          if (Date.now() > deadline) {
            const st = await repl.replicationStatus(s);
            throw new VtError(
              'DEADLINE_EXCEEDED',
              `tablet ${this.o.state.alias} did not receive the reparent journal entry of ${req.primaryAlias} within ` +
                `${req.waitTimeoutMs ?? DEFAULT_WAIT_MS} ms (io running: ${st?.ioRunning}, sql running: ${st?.sqlRunning}` +
                `${st?.lastIoError ? `, io error: ${st.lastIoError}` : ''}${st?.lastSqlError ? `, sql error: ${st.lastSqlError}` : ''})`,
            );
          }
          await sleep(50);
        }
      });
    });
  }

  PopulateReparentJournal(req: { timeCreatedNs: bigint; actionName: string; primaryAlias: string; position: string }) {
    return this.serial(async () => {
      await this.o.dba.withSession((s) =>
        repl.populateReparentJournal(s, {
          timeCreatedNs: BigInt(req.timeCreatedNs),
          actionName: req.actionName,
          primaryAlias: req.primaryAlias,
          position: req.position,
        }),
      );
    });
  }

  async FullStatus(): Promise<FullStatus> {
    return this.o.dba.withSession(async (s) => {
      const [v] = await s.query(
        'SELECT @@GLOBAL.server_id AS server_id, @@version AS version, @@version_comment AS version_comment, ' +
          '@@GLOBAL.read_only AS read_only, @@GLOBAL.gtid_binlog_pos AS binlog_pos, ' +
          '@@GLOBAL.gtid_current_pos AS current_pos, @@GLOBAL.gtid_strict_mode AS strict, ' +
          '@@GLOBAL.binlog_format AS binlog_format',
      );
      const r = v ?? {};
      const status = await repl.replicationStatus(s);
      const state = this.o.state;
      return {
        tabletAlias: state.alias,
        tabletType: state.type,
        serving: state.serving,
        serverId: Number(r['server_id'] ?? 0),
        serverUuid: '',
        version: String(r['version'] ?? ''),
        versionComment: String(r['version_comment'] ?? ''),
        readOnly: String(r['read_only']) === '1',
        primaryPosition: String(r['binlog_pos'] ?? ''),
        currentPosition: String(r['current_pos'] ?? ''),
        gtidStrictMode: String(r['strict']) === '1',
        binlogFormat: String(r['binlog_format'] ?? ''),
        replicationStatus: status,
        replicationLagSeconds: status ? status.lagSeconds : null,
        primaryTermStartTime: state.primaryTermStartTime,
      };
    });
  }

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.actions.then(fn, fn);
    this.actions = run.catch(() => undefined);
    return run;
  }

  private async fetch(conn: DbaConnector, req: FetchRequest, disableBinlogs: boolean): Promise<QueryResult> {
    const statements = splitStatements(req.sql ?? '');
    if (statements.length === 0) throw Err.invalidArgument('no SQL statement given');
    const maxRows = req.maxRows ?? DEFAULT_MAX_ROWS;
    const database = req.database === undefined ? undefined : req.database;
    return conn.withSession(
      async (s: DbaSession) => {
        if (disableBinlogs) await s.exec('SET SESSION sql_log_bin = 0');
        let last: QueryResult = queryResult();
        for (const sql of statements) {
          last = await s.exec(sql);
          if (last.rows.length > maxRows) {
            throw new VtError('RESOURCE_EXHAUSTED', `Row count exceeded ${maxRows}`);
          }
        }
        return last;
      },
      database === undefined ? {} : { database },
    );
  }

  /**
   * The replication source for CHANGE MASTER. 'localhost' would make the replica's IO thread use its OWN unix
   * socket (libmysql treats localhost as "use the socket"), so it becomes 127.0.0.1.
   */
  private source(spec: ReplicationSourceSpec): repl.ReplicationSource {
    if (!spec.host || !Number.isInteger(spec.port)) {
      throw Err.invalidArgument(`invalid replication source ${JSON.stringify(spec.host)}:${String(spec.port)}`);
    }
    return {
      host: spec.host === 'localhost' ? '127.0.0.1' : spec.host,
      port: spec.port,
      user: this.o.replUser.user,
      password: this.o.replUser.password,
    };
  }
}
