import { VtError } from '../errors/index.js';

/**
 * MariaDB replication control for the tablet manager. MariaDB GTIDs (domain-server-seq, comma separated per
 * domain) are the only position format: vt targets MariaDB as a first-class serving database, so there is no
 * MySQL GTID/file-position flavor switch here.
 *
 * Every function takes the narrow `DbaExecutor` it needs (a dba connection), so it is testable against a real
 * mysqld without the rest of the tablet.
 */
export interface DbaExecutor {
  /** Runs one statement as the dba user; rows are objects keyed by column name. Fails with VtError. */
  query(sql: string): Promise<Record<string, unknown>[]>;
}

export interface ReplicationStatus {
  /** The replica's executed position (@@gtid_slave_pos): what the SQL thread has applied. */
  readonly position: string;
  /** @@gtid_io_pos: what the IO thread has received. */
  readonly relayLogPosition: string;
  readonly sourceHost: string;
  readonly sourcePort: number;
  readonly ioRunning: boolean;
  readonly sqlRunning: boolean;
  /** Seconds_Behind_Master; null when the SQL thread is not running. */
  readonly lagSeconds: number | null;
  readonly lastIoError: string;
  readonly lastSqlError: string;
}

export interface ReplicationSource {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** Seconds between heartbeats from the source; keeps lag accurate on an idle primary. */
  readonly heartbeatPeriodSeconds?: number;
}

/** Escapes a string for a single-quoted MariaDB literal (NO_BACKSLASH_ESCAPES off). */
export function quoteString(s: string): string {
  return `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\0/g, '\\0')}'`;
}

/** Validates a MariaDB GTID list ("0-100-5,1-200-7" or empty) before it is interpolated into SQL. */
export function checkGtidList(pos: string): string {
  if (pos !== '' && !/^\d+-\d+-\d+(,\s*\d+-\d+-\d+)*$/.test(pos)) {
    throw new VtError('INVALID_ARGUMENT', `invalid MariaDB GTID position: ${JSON.stringify(pos)}`);
  }
  return pos;
}

async function scalar(db: DbaExecutor, sql: string): Promise<string> {
  const rows = await db.query(sql);
  const first = rows[0];
  if (!first) return '';
  const v = Object.values(first)[0];
  return v === null || v === undefined ? '' : String(v);
}

/** The primary's position: every transaction it has binlogged (@@gtid_binlog_pos). */
export function primaryPosition(db: DbaExecutor): Promise<string> {
  return scalar(db, 'SELECT @@GLOBAL.gtid_binlog_pos');
}

/** This server's executed position whichever role it has (@@gtid_current_pos). */
export function currentPosition(db: DbaExecutor): Promise<string> {
  return scalar(db, 'SELECT @@GLOBAL.gtid_current_pos');
}

/**
 * Waits until this server has applied `position`. Resolves when reached; fails DEADLINE_EXCEEDED after
 * `timeoutMs`. Uses MASTER_GTID_WAIT, which returns 0 on success and -1 on timeout.
 */
export async function waitForPosition(db: DbaExecutor, position: string, timeoutMs: number): Promise<void> {
  const pos = checkGtidList(position);
  if (pos === '') return;
  const seconds = Math.max(0.001, timeoutMs / 1000);
  const r = await scalar(db, `SELECT MASTER_GTID_WAIT(${quoteString(pos)}, ${seconds})`);
  if (r !== '0') {
    throw new VtError('DEADLINE_EXCEEDED', `timed out after ${timeoutMs} ms waiting for position ${pos}`);
  }
}

export async function stopReplication(db: DbaExecutor): Promise<void> {
  await db.query('STOP SLAVE');
}

export async function startReplication(db: DbaExecutor): Promise<void> {
  await db.query('START SLAVE');
}

/**
 * Points this server at a new source using GTID auto-positioning from its own applied position
 * (MASTER_USE_GTID=slave_pos), then starts replication unless `start` is false. Replication is stopped first
 * because CHANGE MASTER requires it.
 */
export async function setReplicationSource(db: DbaExecutor, src: ReplicationSource, start = true): Promise<void> {
  if (!Number.isInteger(src.port) || src.port <= 0 || src.port > 65535) {
    throw new VtError('INVALID_ARGUMENT', `invalid source port ${src.port}`);
  }
  await db.query('STOP SLAVE');
  const heartbeat = src.heartbeatPeriodSeconds ?? 1;
  await db.query(
    `CHANGE MASTER TO MASTER_HOST=${quoteString(src.host)}, MASTER_PORT=${src.port}, ` +
      `MASTER_USER=${quoteString(src.user)}, MASTER_PASSWORD=${quoteString(src.password)}, ` +
      `MASTER_CONNECT_RETRY=1, MASTER_HEARTBEAT_PERIOD=${heartbeat}, MASTER_USE_GTID=slave_pos`,
  );
  if (start) await db.query('START SLAVE');
}

/** Forgets any replication source (used when a server becomes primary). */
export async function resetReplication(db: DbaExecutor): Promise<void> {
  await db.query('STOP SLAVE');
  await db.query('RESET SLAVE ALL');
}

/** Replication state of a replica, or null when no source is configured. */
export async function replicationStatus(db: DbaExecutor): Promise<ReplicationStatus | null> {
  const rows = await db.query('SHOW SLAVE STATUS');
  const r = rows[0];
  if (!r) return null;
  const str = (k: string): string => (r[k] === null || r[k] === undefined ? '' : String(r[k]));
  const lag = r['Seconds_Behind_Master'];
  return {
    position: str('Gtid_Slave_Pos'),
    relayLogPosition: str('Gtid_IO_Pos'),
    sourceHost: str('Master_Host'),
    sourcePort: Number(r['Master_Port'] ?? 0),
    ioRunning: str('Slave_IO_Running') === 'Yes',
    sqlRunning: str('Slave_SQL_Running') === 'Yes',
    lagSeconds: lag === null || lag === undefined ? null : Number(lag),
    lastIoError: str('Last_IO_Error'),
    lastSqlError: str('Last_SQL_Error'),
  };
}

export async function setReadOnly(db: DbaExecutor, readOnly: boolean): Promise<void> {
  await db.query(`SET GLOBAL read_only = ${readOnly ? 'ON' : 'OFF'}`);
}

export async function isReadOnly(db: DbaExecutor): Promise<boolean> {
  const v = await scalar(db, 'SELECT @@GLOBAL.read_only');
  return v === '1' || v.toUpperCase() === 'ON';
}

/**
 * The reparent journal records every primary change in `_vt.reparent_journal` on the new primary; replicas see
 * the row through replication, which proves they follow that primary from that position. Same columns as
 * Vitess's table so operators find what they expect.
 */
export const REPARENT_JOURNAL_DDL = [
  'CREATE DATABASE IF NOT EXISTS _vt',
  `CREATE TABLE IF NOT EXISTS _vt.reparent_journal (
  time_created_ns BIGINT UNSIGNED NOT NULL,
  action_name VARBINARY(250) NOT NULL,
  primary_alias VARBINARY(32) NOT NULL,
  replication_position VARBINARY(64000) DEFAULT NULL,
  PRIMARY KEY (time_created_ns)) ENGINE=InnoDB`,
];

export async function populateReparentJournal(
  db: DbaExecutor,
  entry: { timeCreatedNs: bigint; actionName: string; primaryAlias: string; position: string },
): Promise<void> {
  for (const ddl of REPARENT_JOURNAL_DDL) await db.query(ddl);
  await db.query(
    `INSERT INTO _vt.reparent_journal (time_created_ns, action_name, primary_alias, replication_position) ` +
      `VALUES (${entry.timeCreatedNs}, ${quoteString(entry.actionName)}, ${quoteString(entry.primaryAlias)}, ` +
      `${quoteString(checkGtidList(entry.position))})`,
  );
}

/** True once the journal row written by the new primary at `timeCreatedNs` has replicated here. */
export async function hasReparentJournalEntry(db: DbaExecutor, timeCreatedNs: bigint): Promise<boolean> {
  try {
    const rows = await db.query(`SELECT 1 FROM _vt.reparent_journal WHERE time_created_ns = ${timeCreatedNs}`);
    return rows.length > 0;
  } catch (err) {
    if (err instanceof VtError && err.errno === 1146) return false;
    throw err;
  }
}

/**
 * Makes this server a writable primary with no replication source. Returns the position replicas start from.
 * The journal table is NOT created here but by populateReparentJournal, after this position: replicas start
 * right after it, so DDL run before it would never reach them (and MariaDB does not binlog a CREATE TABLE IF
 * NOT EXISTS of an existing table), making the journal row fail to apply there.
 */
export async function initPrimary(db: DbaExecutor): Promise<string> {
  await resetReplication(db);
  await setReadOnly(db, false);
  return primaryPosition(db);
}

/**
 * Makes this server a replica of `src` starting after `position` (the primary's position when it was made
 * primary): sets gtid_slave_pos so MASTER_USE_GTID=slave_pos resumes exactly there.
 */
export async function initReplica(db: DbaExecutor, src: ReplicationSource, position: string): Promise<void> {
  await db.query('STOP SLAVE');
  await db.query('RESET SLAVE ALL');
  await setReadOnly(db, true);
  await db.query(`SET GLOBAL gtid_slave_pos = ${quoteString(checkGtidList(position))}`);
  await setReplicationSource(db, src, true);
}
