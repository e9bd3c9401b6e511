import { field } from '../sqltypes/field.js';
import { ColumnFlag, MysqlType } from '../sqltypes/mysql-type.js';
import { queryResult, type QueryResult, type Row } from '../sqltypes/result.js';
import type { GateExpr } from './gate-plan.js';
import type { GateSession } from './gate-session.js';
import type { TabletHealth } from './health-check.js';
import type { KeyspaceInfo } from './keyspace-cache.js';
import { formatTarget } from './target.js';

/** Results the gate computes itself (no tablet involved): FROM-less SELECTs of session facts and Vitess SHOWs. */

export interface GateFacts {
  readonly serverVersion: string;
  readonly versionComment: string;
  readonly connectionId: number;
}

const str = (name: string) => field(name, MysqlType.VAR_STRING, { columnLength: 1024 });
const uint64 = (name: string) =>
  field(name, MysqlType.LONGLONG, {
    flags: ColumnFlag.NOT_NULL | ColumnFlag.UNSIGNED | ColumnFlag.BINARY | ColumnFlag.NUM,
  });

export function gateSelect(
  exprs: readonly GateExpr[],
  names: readonly string[],
  session: GateSession,
  facts: GateFacts,
  limit: number | undefined,
): QueryResult {
  const fields = exprs.map((e, i) => {
    const n = names[i]!;
    switch (e) {
      case 'last_insert_id':
      case 'connection_id':
        return uint64(n);
      case 'autocommit':
        return field(n, MysqlType.LONGLONG);
      default:
        return str(n);
    }
  });
  const row: Row = exprs.map((e) => {
    switch (e) {
      case 'version':
        return facts.serverVersion;
      case 'version_comment':
        return facts.versionComment;
      case 'database':
        return session.target.keyspace === '' ? null : session.target.keyspace;
      case 'last_insert_id':
        return String(session.lastInsertId);
      case 'connection_id':
        return String(facts.connectionId);
      case 'autocommit':
        return session.autocommit ? '1' : '0';
    }
  });
  return queryResult({ fields, rows: limit === 0 ? [] : [row] });
}

/** SQL LIKE pattern (`%`, `_`, `\` escapes) as a case-insensitive RegExp, as MySQL matches SHOW ... LIKE. */
export function likeRegExp(pattern: string): RegExp {
  let re = '';
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i]!;
    if (c === '\\' && i + 1 < pattern.length) re += escapeRe(pattern[++i]!);
    else if (c === '%') re += '.*';
    else if (c === '_') re += '.';
    else re += escapeRe(c);
  }
  return new RegExp(`^${re}$`, 'is');
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

function oneColumn(name: string, values: readonly string[], like: string | undefined): QueryResult {
  const re = like === undefined ? undefined : likeRegExp(like);
  return queryResult({
    fields: [str(name)],
    rows: values.filter((v) => re === undefined || re.test(v)).map((v) => [v]),
  });
}

/** SHOW DATABASES / SHOW KEYSPACES: the keyspaces (Vitess names the column `Database` for both). */
export function showDatabases(keyspaces: readonly string[], like: string | undefined): QueryResult {
  return oneColumn('Database', keyspaces, like);
}

export function showVitessShards(keyspaces: readonly KeyspaceInfo[], like: string | undefined): QueryResult {
  return oneColumn(
    'Shards',
    keyspaces.flatMap((k) => k.shards.map((s) => `${k.name}/${s}`)),
    like,
  );
}

export function showVitessTarget(session: GateSession): QueryResult {
  return queryResult({ fields: [str('Target')], rows: [[formatTarget(session.target)]] });
}

export function showVschemaTables(ks: KeyspaceInfo): QueryResult {
  const names = Object.keys(ks.vschema?.tables ?? {});
  return oneColumn('Tables', ['dual', ...names].sort(), undefined);
}

/** Vitess's SHOW VITESS_TABLETS columns; State is SERVING / NOT_SERVING from the health stream. */
export function showVitessTablets(tablets: readonly TabletHealth[], like: string | undefined): QueryResult {
  const re = like === undefined ? undefined : likeRegExp(like);
  const cols = ['Cell', 'Keyspace', 'Shard', 'TabletType', 'State', 'Alias', 'Hostname', 'PrimaryTermStartTime'];
  const rows: Row[] = [];
  for (const t of tablets) {
    const type = (t.target?.tabletType ?? t.tablet.type).toUpperCase();
    const row = [
      t.tablet.alias.cell,
      t.target?.keyspace ?? t.tablet.keyspace,
      t.target?.shard ?? t.tablet.shard,
      type,
      t.serving ? 'SERVING' : 'NOT_SERVING',
      t.alias,
      t.tablet.hostname,
      type === 'PRIMARY' ? (t.primaryTermStartTime ?? t.tablet.primary_term_start_time ?? '') : '',
    ];
    if (re === undefined || re.test(t.alias)) rows.push(row);
  }
  return queryResult({ fields: cols.map(str), rows });
}

export function showGateWarnings(session: GateSession, countOnly: boolean): QueryResult {
  if (countOnly) {
    return queryResult({
      fields: [field('@@session.warning_count', MysqlType.LONGLONG)],
      rows: [[String(session.warnings.length)]],
    });
  }
  return queryResult({
    fields: [
      str('Level'),
      field('Code', MysqlType.LONG, { flags: ColumnFlag.UNSIGNED | ColumnFlag.NUM }),
      str('Message'),
    ],
    rows: session.warnings.map((w) => [w.level, String(w.code), w.message]),
  });
}
