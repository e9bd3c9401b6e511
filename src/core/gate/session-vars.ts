import { Err, VtError } from '../errors/index.js';
import { bindVar, type BindVar } from '../sql/bind-vars.js';
import type { SetAssignment } from '../sql/statement-info.js';
import type { TabletTarget } from '../tablet/tablet-target.js';
import type { GateSession, Workload } from './gate-session.js';
import type { CallSettings, TabletGateway } from './tablet-gateway.js';

export interface SetContext {
  readonly session: GateSession;
  readonly gateway: TabletGateway;
  readonly cs: CallSettings;
  /** Where the session's statements go now, if that is one shard. */
  readonly defaultTarget: () => TabletTarget | undefined;
  /** Value of an expression, computed by a tablet. */
  readonly evaluate: (expr: string) => Promise<BindVar>;
}

/** Accepted and ignored: the gate speaks utf8mb4 to tablets whatever the client asks. */
const CHARSET_VARS: ReadonlySet<string> = new Set([
  'names',
  'charset',
  'character_set_client',
  'character_set_connection',
  'character_set_results',
]);

const WORKLOADS: ReadonlySet<string> = new Set(['oltp', 'olap', 'dba']);

/**
 * SET, Vitess-style. Kept in the gate: autocommit, workload, ddl_strategy, transaction_mode, query_timeout,
 * user variables (`@x`, substituted into later statements as bind variables), sql_select_limit (added as a LIMIT
 * to SELECTs without one, because the tablet's row cap LIMIT would override the variable), NAMES/CHARSET
 * (accepted; tablets always talk utf8mb4). Every other session variable (sql_mode, time_zone, ...) is applied on
 * the tablet: the SET runs there on a reserved connection (so its errors reach the client now), and it is
 * replayed as a pre-query on every reserved connection the session opens later. GLOBAL/PERSIST are refused
 * (1235), as are new settings inside a transaction that has no reserved connection (the pooled transaction
 * connection would keep them after commit).
 */
export async function applySet(assignments: readonly SetAssignment[], c: SetContext): Promise<void> {
  const s = c.session;
  for (const a of assignments) {
    if (a.scope === 'user') {
      s.userVars.set(a.name, await userValue(a, c));
      continue;
    }
    if (a.scope === 'global' || a.scope === 'persist' || a.scope === 'persist_only') {
      throw Err.notSupported(`SET ${a.scope.toUpperCase()} ${a.name}`);
    }
    if (a.scope === 'next_tx') continue; // SET TRANSACTION ...: the tablets' defaults apply (documented gap)
    const name = a.name.toLowerCase();
    const word = (a.value ?? a.valueText).toLowerCase();
    if (CHARSET_VARS.has(name)) continue;
    switch (name) {
      case 'autocommit': {
        const on = boolValue(name, a);
        if (on && !s.autocommit && s.inTransaction) await c.gateway.commit(s); // MySQL commits here
        s.autocommit = on;
        continue;
      }
      case 'workload':
        if (!WORKLOADS.has(word)) throw wrongValue(name, a.valueText);
        s.workload = word as Workload;
        continue;
      case 'ddl_strategy':
        s.ddlStrategy = a.value ?? a.valueText;
        continue;
      case 'transaction_mode':
        if (!['single', 'multi', 'twopc', 'unspecified'].includes(word)) throw wrongValue(name, a.valueText);
        s.transactionMode = word;
        continue;
      case 'sql_select_limit':
        if (word === 'default' || word === '18446744073709551615') s.sqlSelectLimit = undefined;
        else if (/^\d+$/.test(word)) s.sqlSelectLimit = Number(word);
        else throw wrongValue(name, a.valueText);
        continue;
      case 'query_timeout':
        if (!/^\d+$/.test(word)) throw wrongValue(name, a.valueText);
        s.queryTimeoutMs = Number(word);
        continue;
    }
    await applyOnTablet(`set @@session.${name} = ${a.valueText}`, name, c);
  }
}

async function applyOnTablet(sql: string, name: string, c: SetContext): Promise<void> {
  const s = c.session;
  const tx = s.transactionShard();
  if (tx !== undefined && tx.reservedId === 0) {
    throw Err.notSupported(`SET ${name} inside a transaction (set it before BEGIN)`);
  }
  const hasReserved = [...s.shards.values()].some((x) => x.reservedId !== 0);
  if (hasReserved) {
    await c.gateway.applyToReserved(s, sql, c.cs);
  } else {
    const target = c.defaultTarget();
    if (target !== undefined) {
      // Runs the SET itself on a new reserved connection, with the earlier settings as pre-queries.
      await c.gateway.execute(s, { target, sql, reserve: true }, c.cs, false);
    }
  }
  s.settings.delete(name);
  s.settings.set(name, sql);
}

async function userValue(a: SetAssignment, c: SetContext): Promise<BindVar> {
  const v = a.value;
  switch (a.valueKind) {
    case 'int':
      return v!.startsWith('-') ? bindVar.int(v!) : bindVar.uint(v!);
    case 'decimal':
      return bindVar.decimal(v!);
    case 'float':
      return bindVar.float(v!);
    case 'string':
      return bindVar.string(v!);
    case 'keyword':
      if (v === 'NULL') return bindVar.null();
      if (v === 'TRUE') return bindVar.int(1);
      if (v === 'FALSE') return bindVar.int(0);
  }
  return c.evaluate(a.valueText);
}

function boolValue(name: string, a: SetAssignment): boolean {
  const w = (a.value ?? a.valueText).toUpperCase();
  if (w === '1' || w === 'ON' || w === 'TRUE') return true;
  if (w === '0' || w === 'OFF' || w === 'FALSE') return false;
  throw wrongValue(name, a.valueText);
}

function wrongValue(name: string, value: string): VtError {
  return new VtError('INVALID_ARGUMENT', `Variable '${name}' can't be set to the value of '${value}'`, {
    errno: 1231,
    sqlState: '42000',
  });
}
