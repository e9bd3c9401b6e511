import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { RpcServer } from '../rpc/index.js';
import type { HealthMessage } from '../tablet/query-service.js';
import type { TabletType } from '../tablet/tablet-target.js';
import type { Tablet } from '../topo/records/tablet.js';
import { HealthCheck } from './health-check.js';

/**
 * A tablet's StreamHealth endpoint on a real RpcServer (TCP): `send` pushes a health message to every open
 * stream; `close` shuts the server (streams fail as when the tablet process dies).
 */
class HealthEndpoint {
  private readonly waiters = new Set<(m: HealthMessage) => void>();
  private current: HealthMessage;
  port = 0;
  private constructor(
    private readonly server: RpcServer,
    readonly uid: number,
    type: TabletType,
    opts: { lag?: number; term?: string | null; serving?: boolean } = {},
  ) {
    this.current = message(uid, type, opts);
  }

  static async start(
    uid: number,
    type: TabletType,
    opts: { lag?: number; term?: string | null; serving?: boolean } = {},
  ): Promise<HealthEndpoint> {
    const server = new RpcServer(testEnv());
    const ep = new HealthEndpoint(server, uid, type, opts);
    server.registerStream('queryservice.StreamHealth', (_req, ctx) => ep.stream(ctx.signal));
    ep.port = (await server.listen(0, '127.0.0.1')).port;
    return ep;
  }

  send(change: { lag?: number; term?: string | null; serving?: boolean }): void {
    this.current = {
      ...this.current,
      ...message(this.uid, this.current.tabletType, { ...fromMessage(this.current), ...change }),
    };
    for (const w of this.waiters) w(this.current);
  }

  tablet(): Tablet {
    return {
      alias: { cell: 'zone1', uid: this.uid },
      hostname: '127.0.0.1',
      port_map: { grpc: this.port },
      mysql_hostname: '127.0.0.1',
      mysql_port: 0,
      keyspace: 'ks',
      shard: '0',
      key_range: null,
      type: this.current.tabletType.toUpperCase() as Tablet['type'],
      primary_term_start_time: null,
      tags: {},
    };
  }

  close(): Promise<void> {
    return this.server.close();
  }

  private async *stream(signal: AbortSignal): AsyncGenerator<HealthMessage> {
    yield this.current;
    while (!signal.aborted) {
      const next = await new Promise<HealthMessage | undefined>((resolve) => {
        const w = (m: HealthMessage): void => {
          this.waiters.delete(w);
          resolve(m);
        };
        this.waiters.add(w);
        signal.addEventListener('abort', () => resolve(undefined), { once: true });
      });
      if (next === undefined) return;
      yield next;
    }
  }
}

function message(
  uid: number,
  type: TabletType,
  o: { lag?: number; term?: string | null; serving?: boolean },
): HealthMessage {
  return {
    target: { keyspace: 'ks', shard: '0', tabletType: type },
    serving: o.serving ?? true,
    tabletAlias: `zone1-${String(uid).padStart(10, '0')}`,
    tabletType: type,
    primaryTermStartTime: type === 'primary' ? (o.term ?? null) : null,
    replicationLagSeconds: o.lag ?? 0,
    lastError: '',
  };
}

function fromMessage(m: HealthMessage): { lag: number; term: string | null; serving: boolean } {
  return { lag: m.replicationLagSeconds, term: m.primaryTermStartTime, serving: m.serving };
}

async function until(what: string, fn: () => boolean, timeoutMs = 2000): Promise<number> {
  const start = Date.now();
  while (!fn()) {
    if (Date.now() - start > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await sleep(10);
  }
  return Date.now() - start;
}

const endpoints: HealthEndpoint[] = [];
let hc: HealthCheck | undefined;

afterEach(async () => {
  hc?.close();
  hc = undefined;
  await Promise.all(endpoints.splice(0).map((e) => e.close()));
});

async function setup(
  ...specs: [number, TabletType, { lag?: number; term?: string | null; serving?: boolean }?][]
): Promise<HealthCheck> {
  const h = (hc = new HealthCheck({ env: testEnv(), retryDelayMs: 50 }));
  for (const [uid, type, o] of specs) {
    const ep = await HealthEndpoint.start(uid, type, o);
    endpoints.push(ep);
    h.addTablet(ep.tablet());
  }
  await until('first health messages', () => h.all().every((t) => t.lastResponseMs > 0));
  return h;
}

const primary = { keyspace: 'ks', shard: '0', tabletType: 'primary' as const };
const replica = { keyspace: 'ks', shard: '0', tabletType: 'replica' as const };

describe('HealthCheck', () => {
  it('routes to the primary with the latest term when two claim it', async () => {
    const h = await setup(
      [1, 'primary', { term: '2026-01-01T00:00:00.000Z' }],
      [2, 'primary', { term: '2026-02-01T00:00:00.000Z' }],
    );
    expect(h.pick(primary).alias).toBe('zone1-0000000002');
    endpoints[0]!.send({ term: '2026-03-01T00:00:00.000Z' });
    await until('newer term wins', () => h.pick(primary).alias === 'zone1-0000000001');
  });

  it('round-robins over low-lag replicas and skips a lagging one', async () => {
    const h = await setup([1, 'replica', { lag: 0 }], [2, 'replica', { lag: 1 }], [3, 'replica', { lag: 300 }]);
    const picks = new Set(Array.from({ length: 6 }, () => h.pick(replica).alias));
    expect([...picks].sort()).toEqual(['zone1-0000000001', 'zone1-0000000002']);
    // When every replica lags, the least lagged ones are used.
    endpoints[0]!.send({ lag: 500 });
    endpoints[1]!.send({ lag: 400 });
    await until('least lag', () => h.pick(replica).alias === 'zone1-0000000003');
  });

  it('stops routing to a tablet that reports not serving or whose stream breaks, and fails with Vitess text', async () => {
    const h = await setup([1, 'replica'], [2, 'replica']);
    endpoints[0]!.send({ serving: false });
    await until('not serving dropped', () => h.healthy(replica).length === 1);
    expect(h.pick(replica).alias).toBe('zone1-0000000002');
    const took = await (async () => {
      const closing = endpoints[1]!.close();
      const ms = await until('dead tablet dropped', () => h.healthy(replica).length === 0);
      await closing;
      return ms;
    })();
    expect(took).toBeLessThan(2000);
    let err: unknown;
    try {
      h.pick(replica);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VtError);
    expect((err as VtError).code).toBe('UNAVAILABLE');
    expect((err as VtError).message).toBe('target: ks.0.replica: no healthy tablet available');
    expect(h.get('zone1-0000000002')!.lastError).not.toBe('');
    endpoints[0]!.send({ serving: true });
    await until('serving again', () => h.healthy(replica).length === 1);
  });

  it('forgets removed tablets', async () => {
    const h = await setup([1, 'primary', { term: '2026-01-01T00:00:00.000Z' }]);
    h.removeTablet('zone1-0000000001');
    expect(h.all()).toEqual([]);
    expect(() => h.pick(primary)).toThrow(/no healthy tablet/);
  });
});
