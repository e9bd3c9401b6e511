import type { Env } from '../env/env.js';
import { isReason } from '../errors/index.js';
import type { TopoServer } from '../topo/topo-server.js';
import type { KeyspaceVSchema } from '../vschema/vschema.js';

/** The routing facts of one keyspace, as the gate sees them in its cell. */
export interface KeyspaceInfo {
  readonly name: string;
  /** Shards serving PRIMARY traffic in key order (from the SrvKeyspace, else the global shard list). */
  readonly shards: readonly string[];
  /** More than one shard: statements need the (future) planner unless the session targets a shard. */
  readonly sharded: boolean;
  readonly vschema: KeyspaceVSchema | undefined;
}

export interface KeyspaceCacheOptions {
  readonly env: Env;
  readonly topo: TopoServer;
  /** The cell whose SrvKeyspace/SrvVSchema records the gate reads. */
  readonly cell: string;
  /** How often everything is re-read; default 2 s. */
  readonly refreshMs?: number;
}

/**
 * The keyspaces the gate serves: names from the global topology, shards from each keyspace's SrvKeyspace in the
 * gate's cell, VSchemas from the cell's SrvVSchema (falling back to the global records). Re-read periodically; a
 * lookup of an unknown keyspace triggers one immediate re-read (so a keyspace created a moment ago is usable), at
 * most once per second. A failed read keeps the previous state.
 */
export class KeyspaceCache {
  private keyspaces = new Map<string, KeyspaceInfo>();
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private lastMissRefresh = 0;
  private lastLoad = 0;
  /** Last refresh failure, logged once until a refresh succeeds. */
  private lastError: string | undefined;
  /** Increments whenever the set of keyspace names changes (plans depend on which qualifiers are keyspaces). */
  generation = 0;

  constructor(private readonly o: KeyspaceCacheOptions) {}

  async start(): Promise<void> {
    await this.refresh();
    this.timer = setInterval(() => void this.refresh(), this.o.refreshMs ?? 2000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
  }

  /** Keyspace names, sorted. */
  names(): string[] {
    return [...this.keyspaces.keys()].sort();
  }

  get(name: string): KeyspaceInfo | undefined {
    return this.keyspaces.get(name);
  }

  all(): KeyspaceInfo[] {
    return this.names().map((n) => this.keyspaces.get(n)!);
  }

  /** The keyspace, re-reading the topology once if it is not known yet; undefined if it does not exist. */
  async lookup(name: string): Promise<KeyspaceInfo | undefined> {
    const k = this.keyspaces.get(name);
    if (k !== undefined) return k;
    if (Date.now() - this.lastMissRefresh < 1000) return undefined;
    this.lastMissRefresh = Date.now();
    await this.refresh();
    return this.keyspaces.get(name);
  }

  /** Re-reads the topology unless it was read within the last 500 ms (for SHOW DATABASES). */
  async refreshIfStale(): Promise<void> {
    if (Date.now() - this.lastLoad > 500) await this.refresh();
  }

  refresh(): Promise<void> {
    if (this.running === undefined) {
      this.running = this.load()
        .then(() => {
          if (this.lastError !== undefined) this.o.env.logger.info('keyspaces readable again');
          this.lastError = undefined;
        })
        .catch((e: unknown) => {
          const err = e instanceof Error ? e.message : String(e);
          if (err !== this.lastError) this.o.env.logger.warn({ err }, 'cannot read keyspaces');
          this.lastError = err;
        })
        .finally(() => {
          this.running = undefined;
        });
    }
    return this.running;
  }

  private async load(): Promise<void> {
    const { topo, cell } = this.o;
    const names = await topo.getKeyspaceNames();
    let srvVSchema: Readonly<Record<string, KeyspaceVSchema>> | undefined;
    try {
      srvVSchema = (await topo.getSrvVSchema(cell)).keyspaces;
    } catch (e) {
      if (!isReason(e, 'NoNode') && !(e instanceof Error && /not found/i.test(e.message))) throw e;
    }
    const next = new Map<string, KeyspaceInfo>();
    await Promise.all(
      names.map(async (name) => {
        const shards = await this.shardsOf(name);
        let vschema = srvVSchema?.[name];
        if (vschema === undefined) vschema = await topo.getVSchema(name).catch(() => undefined);
        next.set(name, { name, shards, sharded: shards.length > 1, vschema });
      }),
    );
    const before = [...this.keyspaces.keys()].sort().join(',');
    const after = [...next.keys()].sort().join(',');
    if (before !== after) this.generation++;
    this.keyspaces = next;
    this.lastLoad = Date.now();
  }

  private async shardsOf(ks: string): Promise<string[]> {
    try {
      const srv = await this.o.topo.getSrvKeyspace(this.o.cell, ks);
      const p = srv.partitions.find((x) => x.served_type === 'PRIMARY');
      if (p !== undefined && p.shard_references.length > 0) return p.shard_references.map((s) => s.name);
    } catch {
      // no serving graph yet: fall back to the global shard records
    }
    const names = await this.o.topo.getShardNames(ks).catch(() => [] as string[]);
    return sortShards(names);
  }
}

/** Key order: '-80' < '80-'; the unbounded start sorts first. */
function sortShards(names: string[]): string[] {
  const start = (s: string): string => (s.startsWith('-') ? '' : s.split('-')[0]!);
  return [...names].sort((a, b) => (start(a) < start(b) ? -1 : start(a) > start(b) ? 1 : a < b ? -1 : 1));
}
