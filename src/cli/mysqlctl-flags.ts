import { Flags, type Command } from '@oclif/core';
import { createLogger } from '../core/env/logger.js';
import { defaultDataRoot, type Env } from '../core/env/env.js';
import { VtError } from '../core/errors/index.js';
import { parseDuration } from './duration.js';
import {
  DB_ROLES,
  defaultDbConfigs,
  Mysqld,
  type DbConfigs,
  type DbCredentials,
  type DbRole,
  type MysqldOptions,
} from '../core/mysqlctl/index.js';

/** Flags and plumbing shared by the `vt mysqlctl` verbs (src/commands/mysqlctl/*). */

/** Vitess's mysqlctl flags that pick the instance. */
export const instanceFlags = {
  'tablet-uid': Flags.integer({ description: 'Tablet uid; also the mysqld server_id', required: true }),
  'mysql-port': Flags.integer({ description: 'mysqld TCP port (default 17000+uid, or what init wrote to my.cnf)' }),
  'db-socket': Flags.string({ description: 'mysqld unix socket (default $VTDATAROOT/vt_<uid>/mysql.sock)' }),
  'data-root': Flags.string({ description: 'Data root holding vt_<uid> directories', env: 'VTDATAROOT' }),
  'wait-time': Flags.string({
    description: 'How long to wait for mysqld to start or stop (e.g. 30s, 2m)',
    default: '30s',
  }),
};

/** --db-<role>-user / --db-<role>-password, as Vitess's dbconfigs flags. */
export const dbConfigFlags = Object.fromEntries(
  DB_ROLES.flatMap((role) => [
    [
      `db-${role}-user`,
      Flags.string({ description: `MySQL user for the ${role} role`, default: `vt_${role}`, helpGroup: 'DB CONFIG' }),
    ],
    [
      `db-${role}-password`,
      Flags.string({ description: `Password for the ${role} user`, default: '', helpGroup: 'DB CONFIG' }),
    ],
  ]),
) as Record<string, ReturnType<typeof Flags.string>>;

export interface InstanceFlagValues {
  readonly 'tablet-uid': number;
  readonly 'mysql-port'?: number | undefined;
  readonly 'db-socket'?: string | undefined;
  readonly 'data-root'?: string | undefined;
  readonly 'wait-time': string;
}

/** --wait-time in milliseconds (Vitess duration syntax: 500ms, 30s, 2m). */
export function parseWaitTime(text: string): number {
  return parseDuration(text, 'wait-time');
}

export function commandEnv(flags: InstanceFlagValues): Env {
  return {
    logger: createLogger({ level: process.env['VT_LOG_LEVEL'] ?? 'warn', name: 'mysqlctl' }),
    dataRoot: flags['data-root'] ?? defaultDataRoot(),
  };
}

/** DbConfigs from --db-<role>-user / --db-<role>-password values. */
export function dbConfigsFromFlags(flags: Record<string, unknown>): DbConfigs {
  const creds = Object.fromEntries(
    DB_ROLES.map((role): [DbRole, Partial<DbCredentials>] => {
      const user = flags[`db-${role}-user`];
      const password = flags[`db-${role}-password`];
      return [
        role,
        { ...(typeof user === 'string' ? { user } : {}), ...(typeof password === 'string' ? { password } : {}) },
      ];
    }),
  );
  return defaultDbConfigs(creds);
}

/** The Mysqld the flags name; an existing instance's my.cnf supplies the port and socket not given. */
export async function mysqldFromFlags(flags: InstanceFlagValues, extra: Partial<MysqldOptions> = {}): Promise<Mysqld> {
  const env = commandEnv(flags);
  return Mysqld.load({
    uid: flags['tablet-uid'],
    env,
    port: flags['mysql-port'],
    socket: flags['db-socket'],
    ...extra,
  });
}

/** Runs a verb; a VtError becomes a clean error message and exit code 1 instead of a stack trace. */
export async function runVerb(cmd: Command, fn: () => Promise<void>): Promise<void> {
  try {
    await fn();
  } catch (e) {
    if (e instanceof VtError) cmd.error(e.message, { exit: 1 });
    throw e;
  }
}
