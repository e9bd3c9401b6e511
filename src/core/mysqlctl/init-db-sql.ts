import { escape } from 'mysql2';
import type { DbConfigs, DbRole } from './db-configs.js';

/** The global privileges Vitess's init_db.sql gives its app, allprivs and filtered users. */
const APP_PRIVILEGES =
  'SELECT, INSERT, UPDATE, DELETE, CREATE, DROP, RELOAD, PROCESS, FILE, REFERENCES, INDEX, ALTER, SHOW DATABASES, ' +
  'CREATE TEMPORARY TABLES, LOCK TABLES, EXECUTE, REPLICATION SLAVE, REPLICATION CLIENT, CREATE VIEW, SHOW VIEW, ' +
  'CREATE ROUTINE, ALTER ROUTINE, CREATE USER, EVENT, TRIGGER';

const GRANTS: Readonly<Record<DbRole, string>> = {
  dba: 'ALL PRIVILEGES',
  app: APP_PRIVILEGES,
  appdebug: 'SELECT, SHOW DATABASES, PROCESS',
  allprivs: APP_PRIVILEGES,
  repl: 'REPLICATION SLAVE, REPLICATION CLIENT',
  filtered: APP_PRIVILEGES,
};

/**
 * Hosts each account is created for. With skip_name_resolve, socket clients match 'localhost' and TCP clients
 * from this machine match '127.0.0.1', so local accounts get both; the replication account gets '%' because
 * replicas connect over TCP (still only to 127.0.0.1, where mysqld listens).
 */
function hostsFor(role: DbRole): readonly string[] {
  return role === 'repl' ? ['%'] : ['localhost', '127.0.0.1'];
}

const LOCAL_HOSTS = "'localhost', '127.0.0.1', '::1'";

/** The sidecar database Vitess keeps its own tables in (reparent journal, vreplication, schema tracking). */
export const SIDECAR_DB = '_vt';

/**
 * The statements `init` runs as root over the socket on a fresh datadir, in order. They are kept out of the
 * binlog (sql_log_bin=0), so every instance starts with an empty GTID position and replicas never replay
 * another instance's account setup. (RESET MASTER is not needed then, and costs ~1 s on a just-started server:
 * it waits for the first binlog checkpoint, which InnoDB only completes on its once-a-second log flush.)
 */
export function initDbStatements(db: DbConfigs): string[] {
  const stmts = [
    'SET SESSION sql_log_bin = 0',
    // Anonymous accounts would shadow ours; accounts by host name (root@<hostname>) are dead weight under
    // skip_name_resolve and make every start log warnings. They are not in the ACL cache, so DROP USER cannot
    // remove them: delete the rows and reload.
    `DELETE FROM mysql.global_priv WHERE User = '' OR Host NOT IN (${LOCAL_HOSTS})`,
    `DELETE FROM mysql.proxies_priv WHERE Host NOT IN (${LOCAL_HOSTS})`,
    'FLUSH PRIVILEGES',
  ];
  for (const role of Object.keys(GRANTS) as DbRole[]) {
    const { user, password } = db[role];
    for (const host of hostsFor(role)) {
      const account = `${escape(user)}@${escape(host)}`;
      stmts.push(`CREATE OR REPLACE USER ${account} IDENTIFIED BY ${escape(password)}`);
      stmts.push(`GRANT ${GRANTS[role]} ON *.* TO ${account}${role === 'dba' ? ' WITH GRANT OPTION' : ''}`);
    }
  }
  stmts.push(`CREATE DATABASE IF NOT EXISTS ${SIDECAR_DB}`);
  stmts.push('SET SESSION sql_log_bin = 1');
  return stmts;
}
