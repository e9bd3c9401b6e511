import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { testEnv } from '../env/env.js';
import { VtError } from '../errors/index.js';
import { RpcServer, type ServiceImpl } from '../rpc/index.js';
import { TabletManagerService } from '../tablet/query-service.js';
import { MemoryTopo } from '../topo/memory-topo.js';
import type { Tablet } from '../topo/records/tablet.js';
import { TopoServer } from '../topo/topo-server.js';
import { addCellInfo } from './cell-actions.js';
import { initShardPrimary } from './init-shard-primary.js';
import { createKeyspace } from './keyspace-actions.js';
import { createShard } from './shard-actions.js';

/*
 * init-shard-primary's orchestration against real RPC servers that play the tablet manager side (recording
 * calls, optionally failing one); the MySQL side of each call is covered by test/e2e/tablet.test.ts.
 */

type Impl = ServiceImpl<typeof TabletManagerService.methods>;

async function rejects(p: Promise<unknown>): Promise<VtError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(VtError);
    return e as VtError;
  }
  throw new Error('expected a rejection');
}

describe('initShardPrimary', () => {
  let ts: TopoServer;
  const servers: RpcServer[] = [];
  const calls: string[] = [];

  /** Registers tablet zone1-<uid> of commerce/0 served by a fake tablet manager (failing `failing` if set). */
  async function tablet(uid: number, failing?: keyof Impl): Promise<void> {
    const server = new RpcServer(testEnv());
    const record = (method: string, detail = ''): void => void calls.push(`${uid} ${method}${detail}`);
    const impl: Partial<Impl> = {
      Ping: (r) => (record('Ping'), { payload: r.payload }),
      InitPrimary: () => (
        record('InitPrimary'),
        { position: '0-100-7', primaryTermStartTime: '2026-01-02T03:04:05.000Z' }
      ),
      PopulateReparentJournal: (r) => record('PopulateReparentJournal', ` ${r.primaryAlias} ${r.position}`),
      InitReplica: (r) => {
        if (failing === 'InitReplica') throw new VtError('DEADLINE_EXCEEDED', 'no journal row');
        record('InitReplica', ` ${r.primaryAlias} ${r.host}:${r.port} ${r.position} ${typeof r.timeCreatedNs}`);
      },
    };
    TabletManagerService.bindServer(server, impl as Impl);
    const { port } = await server.listen(0, '127.0.0.1');
    servers.push(server);
    const t: Tablet = {
      alias: { cell: 'zone1', uid },
      hostname: '127.0.0.1',
      port_map: { grpc: port },
      mysql_hostname: '127.0.0.1',
      mysql_port: 17000 + uid,
      keyspace: 'commerce',
      shard: '0',
      key_range: null,
      type: 'REPLICA',
      primary_term_start_time: null,
      tags: {},
    };
    await ts.createTablet(t);
  }

  beforeEach(async () => {
    calls.length = 0;
    const cell = new MemoryTopo();
    ts = new TopoServer(new MemoryTopo(), async () => cell, testEnv());
    await addCellInfo(ts, 'zone1', { server_address: '', root: '/vitess/zone1' });
    await createKeyspace(ts, 'commerce');
    await createShard(ts, 'commerce/0');
  });

  afterEach(async () => {
    await Promise.all(servers.splice(0).map((s) => s.close()));
    await ts.close();
  });

  it('pings all, inits the primary, then replicas from its position and the journal; records the primary', async () => {
    await tablet(100);
    await tablet(101);
    await tablet(102);
    const r = await initShardPrimary(ts, 'commerce/0', 'zone1-100');
    expect(r).toEqual({
      keyspace: 'commerce',
      shard: '0',
      primary: 'zone1-0000000100',
      position: '0-100-7',
      primaryTermStartTime: '2026-01-02T03:04:05.000Z',
      replicas: ['zone1-0000000101', 'zone1-0000000102'],
    });
    expect(calls.slice(0, 3).sort()).toEqual(['100 Ping', '101 Ping', '102 Ping']);
    expect(calls[3]).toBe('100 InitPrimary');
    expect(calls.slice(4).sort()).toEqual([
      '100 PopulateReparentJournal zone1-0000000100 0-100-7',
      '101 InitReplica zone1-0000000100 127.0.0.1:17100 0-100-7 bigint',
      '102 InitReplica zone1-0000000100 127.0.0.1:17100 0-100-7 bigint',
    ]);
    const shard = await ts.getShard('commerce', '0');
    expect(shard).toMatchObject({
      primary_alias: { cell: 'zone1', uid: 100 },
      primary_term_start_time: '2026-01-02T03:04:05.000Z',
      is_primary_serving: true,
    });
    expect((await ts.getSrvKeyspace('zone1', 'commerce')).partitions).toHaveLength(3);
  });

  it('names the replica that failed, keeps its code and leaves the Shard record alone', async () => {
    await tablet(100);
    await tablet(101, 'InitReplica');
    const e = await rejects(initShardPrimary(ts, 'commerce/0', 'zone1-100'));
    expect(e.code).toBe('DEADLINE_EXCEEDED');
    expect(e.message).toMatch(/^tablet zone1-0000000101 \(127\.0\.0\.1:\d+\): no journal row$/);
    expect((await ts.getShard('commerce', '0')).primary_alias).toBeNull();
  });

  it('changes nothing when a tablet does not answer', async () => {
    await tablet(100);
    await tablet(101);
    await servers[1]!.close();
    const e = await rejects(initShardPrimary(ts, 'commerce/0', 'zone1-100'));
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.message).toMatch(/^tablet zone1-0000000101 /);
    expect(calls).toEqual(['100 Ping']);
  });
});
