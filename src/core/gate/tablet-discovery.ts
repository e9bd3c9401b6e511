import type { Env } from '../env/env.js';
import { formatTabletAlias } from '../topo/records/tablet-alias.js';
import type { TopoServer } from '../topo/topo-server.js';
import type { HealthCheck } from './health-check.js';

export interface TabletDiscoveryOptions {
  readonly env: Env;
  readonly topo: TopoServer;
  /** Cells whose tablets the gate routes to. */
  readonly cells: readonly string[];
  readonly healthCheck: HealthCheck;
  /** How often the tablet records are re-read; default 2 s. */
  readonly refreshMs?: number;
}

/**
 * Vitess's topology watcher: reads the tablet records of the watched cells every `refreshMs` and keeps the
 * HealthCheck's tablet set equal to them (new tablets added, changed addresses re-dialed, deleted ones removed).
 * A failed read keeps the previous set (a topology outage must not empty the routing table).
 */
export class TabletDiscovery {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private closed = false;
  private readonly lastError = new Map<string, string>();

  constructor(private readonly o: TabletDiscoveryOptions) {}

  /** Loads the tablets once (errors are logged, not thrown), then keeps refreshing in the background. */
  async start(): Promise<void> {
    await this.refresh();
    if (this.closed) return;
    this.timer = setInterval(() => void this.refresh(), this.o.refreshMs ?? 2000);
    this.timer.unref();
  }

  /** One pass over the cells; concurrent calls share the pass in progress. */
  refresh(): Promise<void> {
    if (this.running === undefined) {
      this.running = this.load().finally(() => {
        this.running = undefined;
      });
    }
    return this.running;
  }

  close(): void {
    this.closed = true;
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  private async load(): Promise<void> {
    const seen = new Set<string>();
    let complete = true;
    for (const cell of this.o.cells) {
      try {
        for (const t of await this.o.topo.getTabletsByCell(cell)) {
          seen.add(formatTabletAlias(t.alias));
          this.o.healthCheck.addTablet(t);
        }
        if (this.lastError.delete(cell)) this.o.env.logger.info({ cell }, 'tablets readable again');
      } catch (e) {
        complete = false;
        const err = e instanceof Error ? e.message : String(e);
        // Logged once per distinct failure, not on every refresh.
        if (this.lastError.get(cell) !== err) this.o.env.logger.warn({ cell, err }, 'cannot read tablets');
        this.lastError.set(cell, err);
      }
    }
    if (!complete || this.closed) return;
    for (const alias of this.o.healthCheck.aliases()) if (!seen.has(alias)) this.o.healthCheck.removeTablet(alias);
  }
}
