import { setTimeout as sleep } from 'node:timers/promises';
import type { Env } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { RpcClient, type ServiceClient } from '../rpc/index.js';
import { QueryService, type HealthMessage } from '../tablet/query-service.js';
import type { TabletTarget } from '../tablet/tablet-target.js';
import { formatTabletAlias } from '../topo/records/tablet-alias.js';
import type { Tablet } from '../topo/records/tablet.js';
import { targetKey, targetText } from './target.js';

/** What the gate knows about one tablet: its topology record, its latest health and its RPC stubs. */
export interface TabletHealth {
  readonly alias: string;
  readonly tablet: Tablet;
  readonly addr: string;
  /** From the last health message (undefined until the first one). */
  readonly target: TabletTarget | undefined;
  readonly serving: boolean;
  readonly replicationLagSeconds: number;
  readonly primaryTermStartTime: string | null;
  readonly lastError: string;
  /** Date.now() of the last health message, 0 if none yet. */
  readonly lastResponseMs: number;
  readonly query: ServiceClient<typeof QueryService.methods>;
}

interface Entry {
  alias: string;
  tablet: Tablet;
  addr: string;
  target: TabletTarget | undefined;
  serving: boolean;
  replicationLagSeconds: number;
  primaryTermStartTime: string | null;
  lastError: string;
  lastResponseMs: number;
  readonly client: RpcClient;
  readonly query: ServiceClient<typeof QueryService.methods>;
  readonly abort: AbortController;
}

export interface HealthCheckOptions {
  readonly env: Env;
  /** Delay before re-opening a failed health stream; default 500 ms. */
  readonly retryDelayMs?: number;
  /** A tablet that sent nothing for this long stops being routed to; default 60 s (Vitess's health_check_timeout). */
  readonly timeoutMs?: number;
  /** Replicas lagging less than this are all equally good (Vitess's discovery_low_replication_lag); default 30 s. */
  readonly lowReplicationLagSeconds?: number;
}

/**
 * Vitess's HealthCheck: one RpcClient and one StreamHealth stream per tablet, and a table of serving tablets per
 * target {keyspace, shard, type}. A tablet stops being routed to as soon as its stream fails (connection
 * closed/refused: the tablet died) or it reports serving=false, and after `timeoutMs` without any message.
 * Streams are re-opened every `retryDelayMs` until the tablet is removed.
 *
 * Routing (`pick`): the serving PRIMARY with the latest primary term start time (two may claim it during a
 * reparent); for replica/rdonly, round robin over the tablets whose lag is under the low-lag threshold, else
 * over the least-lagged ones. No serving tablet: UNAVAILABLE 1105 `target: ks.0.primary: no healthy tablet
 * available`.
 */
export class HealthCheck {
  private readonly entries = new Map<string, Entry>();
  /** targetKey -> serving tablets in routing order (rebuilt on every change, read on every query). */
  private byTarget = new Map<string, readonly Entry[]>();
  private readonly rr = new Map<string, number>();
  private readonly listeners = new Set<() => void>();
  private readonly retryDelayMs: number;
  private readonly timeoutMs: number;
  private readonly lowLag: number;
  private readonly staleTimer: NodeJS.Timeout;
  private closed = false;

  constructor(private readonly o: HealthCheckOptions) {
    this.retryDelayMs = o.retryDelayMs ?? 500;
    this.timeoutMs = o.timeoutMs ?? 60_000;
    this.lowLag = o.lowReplicationLagSeconds ?? 30;
    this.staleTimer = setInterval(() => this.expireStale(), Math.min(1000, this.timeoutMs));
    this.staleTimer.unref();
  }

  /** Starts watching a tablet, or updates its record; a changed address restarts its stream on a new client. */
  addTablet(tablet: Tablet): void {
    if (this.closed) return;
    const alias = formatTabletAlias(tablet.alias);
    const port = tablet.port_map.grpc;
    if (port === undefined || port === 0) return; // not serving RPC (yet)
    const host = tablet.hostname || '127.0.0.1';
    const addr = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
    const old = this.entries.get(alias);
    if (old !== undefined) {
      if (old.addr === addr) {
        old.tablet = tablet;
        return;
      }
      this.removeTablet(alias);
    }
    const client = new RpcClient(this.o.env, { host, port, connectTimeoutMs: 2000, maxBackoffMs: 1000 });
    const e: Entry = {
      alias,
      tablet,
      addr,
      target: undefined,
      serving: false,
      replicationLagSeconds: 0,
      primaryTermStartTime: null,
      lastError: 'no health message yet',
      lastResponseMs: 0,
      client,
      query: QueryService.client(client),
      abort: new AbortController(),
    };
    this.entries.set(alias, e);
    void this.watch(e);
  }

  removeTablet(alias: string): void {
    const e = this.entries.get(alias);
    if (e === undefined) return;
    this.entries.delete(alias);
    e.abort.abort();
    e.client.close();
    this.rebuild();
  }

  aliases(): string[] {
    return [...this.entries.keys()];
  }

  /** Every known tablet, sorted by alias. */
  all(): TabletHealth[] {
    return [...this.entries.values()].sort((a, b) => (a.alias < b.alias ? -1 : 1)).map(snapshot);
  }

  get(alias: string): TabletHealth | undefined {
    const e = this.entries.get(alias);
    return e === undefined ? undefined : snapshot(e);
  }

  /** Serving tablets of a target, in routing preference order. */
  healthy(target: TabletTarget): readonly TabletHealth[] {
    return this.byTarget.get(targetKey(target)) ?? [];
  }

  /** The tablet to send the next request for `target` to (see class comment); `exclude` skips failed ones. */
  pick(target: TabletTarget, exclude?: string): TabletHealth {
    const key = targetKey(target);
    let list = this.byTarget.get(key) ?? [];
    if (exclude !== undefined) list = list.filter((e) => e.alias !== exclude);
    if (list.length === 0) {
      throw new VtError('UNAVAILABLE', `target: ${targetText(target)}: no healthy tablet available`);
    }
    if (target.tabletType === 'primary' || list.length === 1) return list[0]!;
    const n = this.rr.get(key) ?? 0;
    this.rr.set(key, n + 1 >= 1 << 30 ? 0 : n + 1);
    return list[n % list.length]!;
  }

  /** Calls `fn` after every change of the table; returns the unsubscribe function. */
  onChange(fn: () => void): () => void {
    this.listeners.add(fn);
    return () => this.listeners.delete(fn);
  }

  /**
   * Resolves when every known tablet whose topology type is in `types` has answered its first health message
   * (serving or not) or failed to, or when `timeoutMs` passes; returns the aliases still waited for.
   */
  async waitForTablets(types: readonly string[], timeoutMs: number): Promise<string[]> {
    const wanted = new Set(types.map((t) => t.toUpperCase()));
    const pending = (): string[] =>
      [...this.entries.values()]
        .filter((e) => wanted.has(e.tablet.type) && e.lastResponseMs === 0 && e.lastError === 'no health message yet')
        .map((e) => e.alias);
    const deadline = Date.now() + timeoutMs;
    while (pending().length > 0 && Date.now() < deadline) await sleep(50);
    return pending();
  }

  close(): void {
    this.closed = true;
    clearInterval(this.staleTimer);
    for (const alias of [...this.entries.keys()]) this.removeTablet(alias);
  }

  private async watch(e: Entry): Promise<void> {
    const signal = e.abort.signal;
    while (!signal.aborted) {
      try {
        for await (const m of e.query.StreamHealth({}, { signal, window: 8 })) this.update(e, m);
        e.lastError = 'health stream ended';
      } catch (err) {
        if (signal.aborted) return;
        e.lastError = err instanceof Error ? err.message : String(err);
      }
      if (e.serving) {
        e.serving = false;
        this.o.env.logger.warn({ tablet: e.alias, err: e.lastError }, 'tablet health stream failed');
        this.rebuild();
      }
      try {
        await sleep(this.retryDelayMs, undefined, { signal });
      } catch {
        return;
      }
    }
  }

  private update(e: Entry, m: HealthMessage): void {
    const changed =
      e.serving !== m.serving ||
      e.target === undefined ||
      targetKey(e.target) !== targetKey(m.target) ||
      e.primaryTermStartTime !== m.primaryTermStartTime ||
      e.replicationLagSeconds !== m.replicationLagSeconds;
    e.target = m.target;
    e.serving = m.serving;
    e.replicationLagSeconds = m.replicationLagSeconds;
    e.primaryTermStartTime = m.primaryTermStartTime;
    e.lastError = m.lastError;
    e.lastResponseMs = Date.now();
    if (changed) this.rebuild();
  }

  private expireStale(): void {
    const now = Date.now();
    let changed = false;
    for (const e of this.entries.values()) {
      if (e.serving && now - e.lastResponseMs > this.timeoutMs) {
        e.serving = false;
        e.lastError = `no health message for ${this.timeoutMs} ms`;
        changed = true;
      }
    }
    if (changed) this.rebuild();
  }

  private rebuild(): void {
    const groups = new Map<string, Entry[]>();
    for (const e of this.entries.values()) {
      if (!e.serving || e.target === undefined) continue;
      const k = targetKey(e.target);
      let g = groups.get(k);
      if (g === undefined) groups.set(k, (g = []));
      g.push(e);
    }
    const next = new Map<string, readonly Entry[]>();
    for (const [k, g] of groups) {
      if (g[0]!.target!.tabletType === 'primary') {
        // Latest term first: ISO-8601 strings of one format compare in time order.
        g.sort((a, b) => (b.primaryTermStartTime ?? '').localeCompare(a.primaryTermStartTime ?? ''));
        next.set(k, g);
      } else {
        const minLag = Math.min(...g.map((e) => e.replicationLagSeconds));
        const limit = Math.max(this.lowLag, minLag);
        next.set(
          k,
          g.filter((e) => e.replicationLagSeconds <= limit).sort((a, b) => (a.alias < b.alias ? -1 : 1)),
        );
      }
    }
    this.byTarget = next;
    for (const l of this.listeners) l();
  }
}

function snapshot(e: Entry): TabletHealth {
  return {
    alias: e.alias,
    tablet: e.tablet,
    addr: e.addr,
    target: e.target,
    serving: e.serving,
    replicationLagSeconds: e.replicationLagSeconds,
    primaryTermStartTime: e.primaryTermStartTime,
    lastError: e.lastError,
    lastResponseMs: e.lastResponseMs,
    query: e.query,
  };
}
