import { Err } from '../errors/index.js';
import { quoteString } from '../sql/bind-vars.js';
import type { ShowInfo } from '../sql/statement-info.js';
import type { Field } from '../sqltypes/field.js';
import type { QueryResult, ResultEvent } from '../sqltypes/result.js';
import * as answers from './gate-answers.js';
import type { GateSession } from './gate-session.js';
import type { HealthCheck } from './health-check.js';
import type { KeyspaceCache, KeyspaceInfo } from './keyspace-cache.js';
import type { CallSettings, TabletGateway } from './tablet-gateway.js';

export interface ShowContext {
  readonly session: GateSession;
  readonly keyspaces: KeyspaceCache;
  readonly healthCheck: HealthCheck;
  readonly gateway: TabletGateway;
  readonly cs: CallSettings;
  readonly routed: { keyspace: string; shard: string };
  /** The statement as planned (normalized, keyspace qualifiers removed). */
  readonly sql: string;
  /** Any other SHOW: sent like a pass-through statement. */
  readonly passthrough: () => Promise<QueryResult | AsyncIterable<ResultEvent>>;
}

/**
 * Every SHOW. Answered by the gate: DATABASES/KEYSPACES (keyspace names), VITESS_SHARDS, VITESS_TABLETS (from the
 * health check), VITESS_TARGET, VSCHEMA TABLES, and WARNINGS when the session is not pinned to a tablet (the
 * gate's own warnings; pinned sessions ask their tablet connection). Schema SHOWs are routed (routeSchemaShow);
 * the rest pass through.
 */
export async function showStatement(info: ShowInfo, c: ShowContext): Promise<QueryResult | AsyncIterable<ResultEvent>> {
  const ks = c.keyspaces;
  switch (info.show) {
    case 'databases':
    case 'keyspaces':
      await ks.refreshIfStale();
      return answers.showDatabases(ks.names(), info.like);
    case 'vitess_shards':
      return answers.showVitessShards(ks.all(), info.like);
    case 'vitess_tablets':
      return answers.showVitessTablets(c.healthCheck.all(), info.like);
    case 'vitess_target':
      return answers.showVitessTarget(c.session);
    case 'vschema_tables': {
      const name = c.session.target.keyspace;
      if (name === '') throw Err.noDb();
      const k = await ks.lookup(name);
      if (k === undefined) throw Err.badDb(name);
      return answers.showVschemaTables(k);
    }
    case 'warnings':
    case 'count_warnings': {
      const pinned = [...c.session.shards.values()][0];
      if (pinned === undefined) return answers.showGateWarnings(c.session, info.show === 'count_warnings');
      c.routed.keyspace = pinned.target.keyspace;
      c.routed.shard = pinned.target.shard;
      return c.gateway.execute(c.session, { target: pinned.target, sql: c.sql }, c.cs, true);
    }
    default:
      return routeSchemaShow(info, c);
  }
}

/** The shard a keyspace's schema SHOWs go to: the session's shard target, else the first shard. */
function shardOf(session: GateSession, ks: KeyspaceInfo): string | undefined {
  return session.target.shard !== undefined && session.target.keyspace === ks.name
    ? session.target.shard
    : ks.shards[0];
}

const quoteIdent = (s: string): string => '`' + s.replace(/`/g, '``') + '`';

/**
 * Schema SHOWs (TABLES, COLUMNS, INDEX, CREATE TABLE/VIEW, TABLE STATUS) go to one shard of the keyspace they
 * name (`FROM ks`, `ks.t`, or the session's), rebuilt without the keyspace so the tablet reads its own vt_<ks>
 * database, and the answer's column headers/field databases say `<ks>` instead of `vt_<ks>`. Sharded keyspaces
 * answer from their first shard (all shards share the schema). Other SHOWs pass through.
 */
async function routeSchemaShow(info: ShowInfo, c: ShowContext): Promise<QueryResult | AsyncIterable<ResultEvent>> {
  const tail = (): string =>
    info.like !== undefined
      ? ` LIKE ${quoteString(info.like)}`
      : info.where !== undefined
        ? ` WHERE ${info.where}`
        : '';
  const full = info.full ? 'FULL ' : '';
  let ksName: string | undefined;
  let sql: string;
  switch (info.show) {
    case 'tables':
      ksName = info.db;
      sql = `SHOW ${full}TABLES${tail()}`;
      break;
    case 'table_status':
      ksName = info.db;
      sql = `SHOW TABLE STATUS${tail()}`;
      break;
    case 'columns':
      ksName = info.table?.qualifier;
      sql = `SHOW ${full}COLUMNS FROM ${quoteIdent(info.table!.name)}${tail()}`;
      break;
    case 'index':
      ksName = info.table?.qualifier;
      sql = `SHOW INDEX FROM ${quoteIdent(info.table!.name)}${info.where !== undefined ? ` WHERE ${info.where}` : ''}`;
      break;
    case 'create_table':
    case 'create_view':
      ksName = info.table?.qualifier;
      sql = `SHOW CREATE ${info.show === 'create_table' ? 'TABLE' : 'VIEW'} ${quoteIdent(info.table!.name)}`;
      break;
    default:
      return c.passthrough();
  }
  const name = ksName ?? c.session.target.keyspace;
  if (name === '') throw Err.noDb();
  const ks = await c.keyspaces.lookup(name);
  if (ks === undefined) throw Err.badDb(name);
  const shard = shardOf(c.session, ks);
  if (shard === undefined) throw Err.unavailable(`keyspace ${ks.name} has no shards`);
  c.routed.keyspace = ks.name;
  c.routed.shard = shard;
  const target = { keyspace: ks.name, shard, tabletType: c.session.target.tabletType };
  const r = await c.gateway.execute(c.session, { target, sql }, c.cs, true);
  if (!('fields' in r)) return r;
  const dbName = `vt_${ks.name}`;
  const fix = (s: string): string => (s.includes(dbName) ? s.split(dbName).join(ks.name) : s);
  const fields: Field[] = r.fields.map((f) => ({
    ...f,
    name: fix(f.name),
    orgName: fix(f.orgName),
    database: fix(f.database),
  }));
  return { ...r, fields };
}
