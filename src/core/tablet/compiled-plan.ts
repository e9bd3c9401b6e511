import { substituteBindVars, type BindVars } from './bind-vars.js';
import { BindTemplate } from './bind-template.js';
import type { PlanType } from './plan-type.js';
import { withRowCap, type TabletPlan } from './tablet-plan.js';
import type { PlanCounters, TabletStats } from './tablet-stats.js';

/**
 * Plans that only make sense on a connection the client owns: session state or locks would otherwise leak into
 * a pooled connection (Vitess's gate reserves a connection for them).
 */
const statefulOnly: ReadonlySet<PlanType> = new Set([
  'Set',
  'Savepoint',
  'Release',
  'SRollback',
  'LockTables',
  'UnlockTables',
  'SelectLockFunc',
]);
/** Statements that write outside a transaction: autocommit on a transaction-pool connection. */
const autocommitDml: ReadonlySet<PlanType> = new Set(['Insert', 'Update', 'Delete', 'Load']);
/** Transaction control goes through begin/commit/rollback, never through execute. */
const neverExecuted: ReadonlySet<PlanType> = new Set(['Begin', 'Commit', 'Rollback', 'Use']);

/**
 * What the executor derives from a TabletPlan once, for one engine (its row cap and stats), instead of on every
 * execution: the row-capped SQL pre-split at its bind variables, where the statement may run, its counters.
 */
export class CompiledPlan {
  readonly planType: PlanType;
  /** Never run through execute (transaction control, USE). */
  readonly neverExecuted: boolean;
  /** Only in a transaction or on a reserved connection. */
  readonly statefulOnly: boolean;
  /** Outside a transaction it runs on the transaction pool, autocommitted. */
  readonly autocommitDml: boolean;
  readonly consolidatable: boolean;
  readonly rowCapped: boolean;
  /** Query rules matched the statement: the caller must be checked against them. */
  readonly hasRules: boolean;
  readonly counters: PlanCounters;
  /** The row-capped SQL; split at its bind variables unless it does not lex. */
  private readonly cappedSql: string;
  private readonly template: BindTemplate | undefined;

  constructor(
    readonly plan: TabletPlan,
    maxRows: number,
    stats: TabletStats,
  ) {
    const t = (this.planType = plan.planType);
    this.neverExecuted = neverExecuted.has(t);
    this.statefulOnly = statefulOnly.has(t);
    this.autocommitDml = autocommitDml.has(t);
    this.consolidatable = plan.consolidatable;
    this.rowCapped = plan.rowCapped;
    this.hasRules = plan.rules.size > 0;
    this.counters = stats.planCounters(t);
    this.cappedSql = withRowCap(plan, maxRows + 1);
    this.template = BindTemplate.compile(this.cappedSql);
  }

  /**
   * The SQL to send with the bind variables encoded: `substituteBindVars(cappedSql, bindVars)`, without lexing
   * again when the template compiled. Throws VtError INVALID_ARGUMENT (missing variable, bad value, no lex).
   */
  render(bindVars: BindVars): string {
    return this.template !== undefined ? this.template.render(bindVars) : substituteBindVars(this.cappedSql, bindVars);
  }
}
