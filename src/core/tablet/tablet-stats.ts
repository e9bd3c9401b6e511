import type { VtCode } from '../errors/index.js';

export interface PlanStats {
  readonly count: number;
  readonly totalMs: number;
  readonly rows: number;
  readonly errors: number;
}

export interface TabletStatsSnapshot {
  /** Per plan type: executions, total time, rows returned, errors (Vitess's QueryCounts/QueryTimesNs/...). */
  readonly queries: Readonly<Record<string, PlanStats>>;
  /** Errors by vtrpc code (Vitess's Errors). */
  readonly errors: Readonly<Record<string, number>>;
  readonly kills: number;
  readonly consolidations: number;
  readonly rowsReturned: number;
  readonly transactions: {
    readonly begins: number;
    readonly commits: number;
    readonly rollbacks: number;
    /** Rolled back by the transaction killer (Vitess's Kills{Transactions}). */
    readonly killed: number;
  };
  readonly reserved: { readonly reserves: number; readonly releases: number; readonly killed: number };
}

/** The mutable counters of one plan type; see TabletStats.planCounters. */
export class PlanCounters implements PlanStats {
  count = 0;
  totalMs = 0;
  rows = 0;
  errors = 0;
}

/**
 * The query engine's counters, read by the tablet's /debug/vars and /metrics. Plain mutable counters owned by
 * one engine instance (no global registry); `snapshot()` returns a JSON-ready copy.
 */
export class TabletStats {
  private readonly plans = new Map<string, PlanCounters>();
  private readonly errors = new Map<string, number>();
  kills = 0;
  consolidations = 0;
  rowsReturned = 0;
  begins = 0;
  commits = 0;
  rollbacks = 0;
  txKilled = 0;
  reserves = 0;
  releases = 0;
  reservedKilled = 0;

  recordQuery(planType: string, ms: number, rows: number, failed: boolean): void {
    this.record(this.planCounters(planType), ms, rows, failed);
  }

  /**
   * The counters of a plan type, for a caller that records many executions of one plan (`record`) without a
   * lookup each time. The plan type appears in snapshots (with zero counts) from this call on.
   */
  planCounters(planType: string): PlanCounters {
    let p = this.plans.get(planType);
    if (!p) {
      p = new PlanCounters();
      this.plans.set(planType, p);
    }
    return p;
  }

  /** One execution of a plan whose counters came from `planCounters`. */
  record(p: PlanCounters, ms: number, rows: number, failed: boolean): void {
    p.count++;
    p.totalMs += ms;
    p.rows += rows;
    if (failed) p.errors++;
    this.rowsReturned += rows;
  }

  recordError(code: VtCode): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  snapshot(): TabletStatsSnapshot {
    return {
      queries: Object.fromEntries([...this.plans].map(([k, v]) => [k, { ...v }])),
      errors: Object.fromEntries(this.errors),
      kills: this.kills,
      consolidations: this.consolidations,
      rowsReturned: this.rowsReturned,
      transactions: { begins: this.begins, commits: this.commits, rollbacks: this.rollbacks, killed: this.txKilled },
      reserved: { reserves: this.reserves, releases: this.releases, killed: this.reservedKilled },
    };
  }
}
