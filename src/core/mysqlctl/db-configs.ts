/**
 * The MySQL accounts a tablet uses against its mysqld, named as Vitess's dbconfigs (--db-dba-user, ...).
 * `vt mysqlctl init` creates them; `vt tablet` connects with them. Passwords default to empty, as in Vitess's
 * local examples: every account is reachable only from this machine (socket / 127.0.0.1).
 */
export type DbRole = 'dba' | 'app' | 'appdebug' | 'allprivs' | 'repl' | 'filtered';

export const DB_ROLES: readonly DbRole[] = ['dba', 'app', 'appdebug', 'allprivs', 'repl', 'filtered'];

export interface DbCredentials {
  readonly user: string;
  readonly password: string;
}

export type DbConfigs = Readonly<Record<DbRole, DbCredentials>>;

/** Vitess's default user names: vt_dba, vt_app, vt_appdebug, vt_allprivs, vt_repl, vt_filtered. */
export function defaultDbConfigs(overrides: Partial<Record<DbRole, Partial<DbCredentials>>> = {}): DbConfigs {
  const entry = (role: DbRole): DbCredentials => ({
    user: overrides[role]?.user ?? `vt_${role}`,
    password: overrides[role]?.password ?? '',
  });
  return {
    dba: entry('dba'),
    app: entry('app'),
    appdebug: entry('appdebug'),
    allprivs: entry('allprivs'),
    repl: entry('repl'),
    filtered: entry('filtered'),
  };
}
