import type { PlanType } from './plan-type.js';
import type { QueryRules } from './query-rules.js';
import type { StatementInfo, StatementKind } from './statement-classifier.js';

/**
 * How the tablet runs one SQL text (placeholders included). Immutable and cached by SQL text; the row-cap limit
 * and bind variables are applied per execution.
 */
export interface TabletPlan {
  readonly sql: string;
  readonly planType: PlanType;
  readonly tables: readonly string[];
  /** Where ` limit <maxResultSize+1>` goes, for selects without a top-level LIMIT; undefined = not rewritten. */
  readonly limitInsertAt: number | undefined;
  /** The result is checked against maxResultSize (non-streaming). */
  readonly rowCapped: boolean;
  /** Identical concurrent executions outside transactions may share one mysqld round trip. */
  readonly consolidatable: boolean;
  /** The query rules whose statement conditions match this plan (caller conditions are checked per request). */
  readonly rules: QueryRules;
}

const planTypeByKind: Readonly<Record<Exclude<StatementKind, 'select'>, PlanType>> = {
  insert: 'Insert',
  update: 'Update',
  delete: 'Delete',
  ddl: 'DDL',
  set: 'Set',
  show: 'Show',
  other_read: 'OtherRead',
  other_admin: 'OtherAdmin',
  begin: 'Begin',
  commit: 'Commit',
  rollback: 'Rollback',
  savepoint: 'Savepoint',
  release: 'Release',
  srollback: 'SRollback',
  use: 'Use',
  lock_tables: 'LockTables',
  unlock_tables: 'UnlockTables',
  call: 'CallProcedure',
  flush: 'Flush',
  load: 'Load',
};

export function buildTabletPlan(sql: string, info: StatementInfo, rules: QueryRules): TabletPlan {
  let planType: PlanType;
  if (info.kind === 'select') {
    planType = info.takesUserLock
      ? 'SelectLockFunc'
      : info.locking
        ? 'SelectLock'
        : info.tables.length === 0
          ? 'SelectNoTable'
          : 'Select';
  } else {
    planType = planTypeByKind[info.kind];
  }
  const isSelect = planType.startsWith('Select');
  return {
    sql,
    planType,
    tables: info.tables,
    limitInsertAt: isSelect && info.tables.length > 0 && !info.hasLimit ? info.limitInsertAt : undefined,
    rowCapped: isSelect || planType === 'Show',
    consolidatable: planType === 'Select' || planType === 'SelectNoTable',
    rules: rules.filter(sql, planType, info.tables),
  };
}

/** The SQL sent to mysqld for a plan: the row-cap limit inserted where the plan says. */
export function withRowCap(plan: TabletPlan, maxRows: number): string {
  if (plan.limitInsertAt === undefined) return plan.sql;
  return `${plan.sql.slice(0, plan.limitInsertAt)} limit ${maxRows}${plan.sql.slice(plan.limitInsertAt)}`;
}
