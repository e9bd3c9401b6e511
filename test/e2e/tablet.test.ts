import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  applySchema,
  executeFetchAsDba,
  getFullStatus,
  getTabletSchema,
  pingTablet,
} from '../../src/core/ctl/tablet-rpc-actions.js';
import { initShardPrimary } from '../../src/core/ctl/init-shard-primary.js';
import { collectResults, type ResultEvent } from '../../src/core/sqltypes/index.js';
import type { QueryEngineVars } from '../../src/core/tablet/query-engine.js';
import type { HealthMessage } from '../../src/core/tablet/query-service.js';
import { TabletCluster, stopProcess } from '../support/tablet-cluster.js';
import { failure } from '../support/failure.js';

/**
 * `vt tablet` end to end: one shard test_ks/0 of three tablets over three real mariadbds, in a local topology.
 * Tablet 0 (uid 100) is a real `vt tablet` process (bin/dev.js) with small limits and a query rule, elected
 * primary by `vt ctl init-shard-primary`; tablets 1 and 2 are in-process TabletServers (replicas).
 */

let cluster: TabletCluster;

interface DebugVars {
  readonly TabletAlias: string;
  readonly TabletType: string;
  readonly Serving: boolean;
  readonly QueryEngine: QueryEngineVars;
  readonly QueryService: { readonly calls: Record<string, number>; readonly errors: Record<string, number> };
}
let rulesFile: string;

/**
 * stderr without the Node warnings oclif prints when ANOTHER command's module fails to load (other engineers edit
 * the shared checkout while this suite runs); what the verb itself printed is left.
 */
function ownStderr(s: string): string {
  return s.replace(/\(node:\d+\) \[?[\w_]*\]? ?Warning[\s\S]*?\(Use `node --trace-warnings[^\n]*\n/g, '');
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v !== undefined) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ''}`);
    await sleep(100);
  }
}

beforeAll(async () => {
  const os = await import('node:os');
  rulesFile = path.join(os.tmpdir(), `vt-tablet-rules-${process.pid}.json`);
  await writeFile(
    rulesFile,
    JSON.stringify([
      { Name: 'no_secrets', Description: 'secret is off limits', TableNames: ['secret'], Action: 'FAIL' },
    ]),
  );
  cluster = await TabletCluster.start({
    count: 3,
    processes: [0],
    processFlags: {
      0: [
        '--queryserver-config-transaction-cap',
        '2',
        '--queryserver-config-txpool-timeout',
        '300ms',
        '--queryserver-config-max-result-size',
        '100',
        '--queryserver-config-transaction-timeout',
        '1500ms',
        '--query-rules-file',
        rulesFile,
        '--health-check-interval',
        '500ms',
      ],
    },
  });
}, 120_000);

afterAll(async () => {
  const proc = cluster?.tablets[0]?.proc;
  const exit = proc ? stopProcess(proc) : Promise.resolve(0);
  await cluster?.stop();
  // The tablet process drains and exits 0 on SIGTERM.
  expect(await exit).toBe(0);
}, 60_000);

describe('vt tablet', () => {
  it('registers every tablet as a replica and elects a primary with init-shard-primary', async () => {
    const before = await cluster.topo.getTabletsByShard('test_ks', '0');
    expect(before.map((t) => [t.alias.uid, t.type, t.port_map.grpc! > 0, t.mysql_port])).toEqual(
      cluster.tablets.map((t) => [t.uid, 'REPLICA', true, t.mysqld.port]),
    );
    expect(before[0]!.key_range).toBeNull();
    const primary = cluster.tablets[0]!.alias;
    const r = await cluster.vt('ctl', 'init-shard-primary', 'test_ks/0', primary);
    expect(ownStderr(r.stderr)).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`${primary} is the primary of test_ks/0`);

    const shard = await cluster.topo.getShard('test_ks', '0');
    expect(shard.primary_alias).toEqual({ cell: 'zone1', uid: 100 });
    expect(shard.is_primary_serving).toBe(true);
    expect(shard.primary_term_start_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const rec = await cluster.topo.getTablet({ cell: 'zone1', uid: 100 });
    expect(rec.type).toBe('PRIMARY');
    expect(rec.primary_term_start_time).toBe(shard.primary_term_start_time);
    const srv = await cluster.topo.getSrvKeyspace('zone1', 'test_ks');
    expect(srv.partitions.map((p) => p.served_type)).toEqual(['PRIMARY', 'REPLICA', 'RDONLY']);
    for (const i of [1, 2]) {
      const st = await getFullStatus(cluster.topo, cluster.tablets[i]!.alias);
      expect(st.tabletType).toBe('replica');
      expect(st.readOnly).toBe(true);
      expect(st.replicationStatus).toMatchObject({
        ioRunning: true,
        sqlRunning: true,
        sourcePort: cluster.tablets[0]!.mysqld.port,
      });
    }
    const ps = await getFullStatus(cluster.topo, primary);
    expect(ps).toMatchObject({
      tabletType: 'primary',
      readOnly: false,
      serverId: 100,
      replicationStatus: null,
      serving: true,
    });
    expect(ps.primaryTermStartTime).toBe(shard.primary_term_start_time);
  }, 60_000);

  it('refuses a second election and tablets outside the shard, before touching any tablet', async () => {
    const ts = cluster.topo;
    const other = await failure(initShardPrimary(ts, 'test_ks/0', cluster.tablets[1]!.alias));
    expect(other.code).toBe('FAILED_PRECONDITION');
    expect(other.message).toMatch(/already has primary zone1-0000000100; use --force/);
    const stranger = await failure(initShardPrimary(ts, 'test_ks/0', 'zone1-999'));
    expect(stranger.code).toBe('INVALID_ARGUMENT');
    expect(stranger.message).toMatch(/^tablet zone1-0000000999 is not in shard test_ks\/0/);
    expect((await failure(initShardPrimary(ts, 'test_ks', 'zone1-100'))).message).toMatch(/invalid keyspace\/shard/);
    expect((await ts.getTablet({ cell: 'zone1', uid: 101 })).type).toBe('REPLICA');
  });

  it('writes on the primary and reads the rows on both replicas', async () => {
    const ddl = await cluster.vt(
      'ctl',
      'execute-fetch-as-dba',
      cluster.tablets[0]!.alias,
      'create table t (id bigint primary key, v varchar(64))',
    );
    expect(ownStderr(ddl.stderr)).toBe('');
    expect(ddl.code).toBe(0);
    const qs = cluster.query(0);
    const ins = await qs.Execute({
      target: cluster.target('primary'),
      sql: "insert into t (id, v) values (1, 'one'), (2, 'two'), (3, 'three')",
    });
    expect(Number(ins.affectedRows)).toBe(3);
    for (const i of [1, 2]) {
      const rows = await until(`rows on replica ${i}`, async () => {
        const r = await cluster
          .query(i)
          .Execute({ target: cluster.target('replica'), sql: 'select id, v from t order by id' });
        return r.rows.length === 3 ? r.rows : undefined;
      });
      expect(rows).toEqual([
        ['1', 'one'],
        ['2', 'two'],
        ['3', 'three'],
      ]);
    }
    // The same through ctl, printed as a table.
    const sel = await cluster.vt(
      'ctl',
      'execute-fetch-as-app',
      cluster.tablets[2]!.alias,
      'select v from t where id = 2',
    );
    expect(sel.code, sel.stderr).toBe(0);
    expect(sel.stdout).toContain('| two |');
    // A replica refuses application writes (read_only).
    const ro = await failure(
      cluster.query(1).Execute({ target: cluster.target('replica'), sql: "insert into t values (9, 'x')" }),
    );
    expect(ro.errno).toBe(1290);
  }, 60_000);

  it('streams, runs transactions and reserved connections through the RPC', async () => {
    const qs = cluster.query(0);
    const primary = cluster.target('primary');
    const events: ResultEvent[] = [];
    for await (const ev of cluster
      .query(1)
      .StreamExecute({ target: cluster.target('replica'), sql: 'select id from t order by id' })) {
      events.push(ev);
    }
    const [streamed] = await collectResults(events);
    expect(streamed!.rows).toEqual([['1'], ['2'], ['3']]);
    const be = await qs.BeginExecute({ target: primary, sql: "insert into t (id, v) values (10, 'ten')" });
    expect(be.transactionId).toBeGreaterThan(0);
    expect(be.error).toBeUndefined();
    const inTx = await qs.Execute({
      target: primary,
      sql: 'select v from t where id = 10',
      transactionId: be.transactionId,
    });
    expect(inTx.rows).toEqual([['ten']]);
    expect(await qs.Rollback({ target: primary, transactionId: be.transactionId })).toEqual({ reservedId: 0 });
    expect((await qs.Execute({ target: primary, sql: 'select v from t where id = 10' })).rows).toEqual([]);
    const failed = await qs.BeginExecute({ target: primary, sql: 'select * from no_such_table' });
    expect(failed.error).toMatchObject({ errno: 1146, sqlState: '42S02' });
    await qs.Rollback({ target: primary, transactionId: failed.transactionId });
    const rs = await qs.ReserveExecute({ target: primary, sql: 'select @x', preQueries: ['set @x = 42'] });
    expect(rs.result!.rows).toEqual([['42']]);
    const again = await qs.Execute({ target: primary, sql: 'select @x', reservedId: rs.reservedId });
    expect(again.rows).toEqual([['42']]);
    await qs.Release({ target: primary, reservedId: rs.reservedId });
    const released = await failure(qs.Execute({ target: primary, sql: 'select @x', reservedId: rs.reservedId }));
    expect(released.code).toBe('ABORTED');
  });

  it('refuses requests for another target', async () => {
    const wrongKs = await failure(
      cluster.query(1).Execute({ target: { keyspace: 'other', shard: '0', tabletType: 'replica' }, sql: 'select 1' }),
    );
    expect(wrongKs.code).toBe('FAILED_PRECONDITION');
    expect(wrongKs.message).toMatch(/^invalid target: keyspace other/);
    const wrongShard = await failure(
      cluster
        .query(1)
        .Execute({ target: { keyspace: 'test_ks', shard: '-80', tabletType: 'replica' }, sql: 'select 1' }),
    );
    expect(wrongShard.message).toMatch(/^invalid target: shard -80/);
    const primaryOnReplica = await failure(
      cluster.query(1).Execute({ target: cluster.target('primary'), sql: 'select 1' }),
    );
    expect(primaryOnReplica.code).toBe('FAILED_PRECONDITION');
    expect(primaryOnReplica.message).toBe('wrong tablet type: PRIMARY, want: REPLICA');
  });

  it('enforces its protections through the RPC and keeps serving', async () => {
    const qs = cluster.query(0);
    const primary = cluster.target('primary');
    await qs.Execute({
      target: primary,
      sql: 'insert into t (id, v) select seq + 100, concat("r", seq) from seq_1_to_150',
    });
    // Row cap (--queryserver-config-max-result-size 100).
    const cap = await failure(qs.Execute({ target: primary, sql: 'select * from t' }));
    expect(cap.message).toMatch(/[Rr]ow count exceeded 100/);
    // Query timeout, lowered per request.
    const slow = await failure(
      qs.Execute({ target: primary, sql: 'select sleep(5)', options: { queryTimeoutMs: 200 } }),
    );
    expect([slow.errno, slow.sqlState]).toEqual([1317, '70100']);
    // Transaction pool exhaustion (--queryserver-config-transaction-cap 2).
    const tx1 = await qs.Begin({ target: primary });
    const tx2 = await qs.Begin({ target: primary });
    const full = await failure(qs.Begin({ target: primary }));
    expect([full.code, full.errno, full.sqlState]).toEqual(['RESOURCE_EXHAUSTED', 1203, '42000']);
    await qs.Rollback({ target: primary, transactionId: tx2.transactionId });
    // Transaction killer (--queryserver-config-transaction-timeout 1500ms): tx1 is rolled back behind our back.
    await qs.Execute({ target: primary, sql: "insert into t values (50, 'killed')", transactionId: tx1.transactionId });
    await sleep(2500);
    const gone = await failure(qs.Commit({ target: primary, transactionId: tx1.transactionId }));
    expect(gone.message).toMatch(/transaction|not found|killed|timed out/i);
    // Query rule from --query-rules-file.
    await qs
      .Execute({ target: primary, sql: 'create table if not exists secret (id int primary key)' })
      .catch(() => undefined);
    const denied = await failure(qs.Execute({ target: primary, sql: 'select * from secret' }));
    expect(denied.message).toMatch(/no_secrets|disallowed|denied/i);
    // Still serving normally.
    const ok = await qs.Execute({ target: primary, sql: 'select count(*) from t where id = 50' });
    expect(ok.rows).toEqual([['0']]);
  }, 30_000);

  it('runs the tablet manager verbs', async () => {
    const ts = cluster.topo;
    const ping = await pingTablet(ts, cluster.tablets[1]!.alias);
    expect(ping.tablet).toBe(cluster.tablets[1]!.alias);
    const res = await applySchema(ts, 'test_ks', 'alter table t add column n int; create table u (id int primary key)');
    expect(res).toEqual([{ shard: '0', primary: cluster.tablets[0]!.alias, changedTables: ['t', 'u'] }]);
    const schema = await until('schema change on replica 2', async () => {
      const s = await getTabletSchema(ts, cluster.tablets[2]!.alias, ['t', 'u']);
      return s.tableDefinitions.length === 2 ? s : undefined;
    });
    expect(schema.tableDefinitions.map((t) => [t.name, t.primaryKeyColumns, t.columns.map((c) => c.name)])).toEqual([
      ['t', ['id'], ['id', 'v', 'n']],
      ['u', ['id'], ['id']],
    ]);
    expect(schema.tableDefinitions[0]!.schema).toMatch(/^CREATE TABLE `t`/);
    const fetched = await executeFetchAsDba(ts, cluster.tablets[0]!.alias, 'select @@server_id');
    expect(fetched.rows).toEqual([['100']]);
    // change-tablet-type through the CLI: the tablet updates its record and stops serving as replica.
    const ct = await cluster.vt('ctl', 'ChangeTabletType', cluster.tablets[1]!.alias, 'rdonly');
    expect(ct.code, ct.stderr).toBe(0);
    expect((await ts.getTablet({ cell: 'zone1', uid: 101 })).type).toBe('RDONLY');
    const asReplica = await failure(cluster.query(1).Execute({ target: cluster.target('replica'), sql: 'select 1' }));
    expect(asReplica.message).toBe('wrong tablet type: REPLICA, want: RDONLY');
    const asRdonly = await cluster.query(1).Execute({ target: cluster.target('rdonly'), sql: 'select 1' });
    expect(asRdonly.rows).toEqual([['1']]);
    const toPrimary = await cluster.vt('ctl', 'change-tablet-type', cluster.tablets[1]!.alias, 'primary');
    expect(toPrimary.code).toBe(1);
    expect(ownStderr(toPrimary.stderr)).toMatch(/^Error: .*init-shard-primary/);
  }, 60_000);

  it('reports mysqld loss and recovery on StreamHealth and /healthz', async () => {
    const replica = cluster.tablets[2]!;
    const seen: HealthMessage[] = [];
    const abort = new AbortController();
    const stream = (async () => {
      try {
        for await (const h of cluster.query(2).StreamHealth({}, { signal: abort.signal })) seen.push(h);
      } catch {
        // aborted
      }
    })();
    await until('first health message', async () => (seen.length > 0 ? true : undefined));
    expect(seen[0]).toMatchObject({
      serving: true,
      tabletAlias: replica.alias,
      tabletType: 'replica',
      primaryTermStartTime: null,
    });
    const health = `http://127.0.0.1:${replica.httpPort}/healthz`;
    expect((await fetch(health)).status).toBe(200);

    const pid = Number(readFileSync(replica.mysqld.paths.pidFile, 'utf8').trim());
    process.kill(pid, 'SIGKILL');
    const killedAt = Date.now();
    const down = await until('serving=false', async () => seen.find((h) => !h.serving), 5_000);
    expect(Date.now() - killedAt).toBeLessThan(5_000);
    expect(down.lastError).toMatch(/mysqld is not reachable/);
    expect((await fetch(health)).status).toBe(503);
    const refused = await failure(cluster.query(2).Execute({ target: cluster.target('replica'), sql: 'select 1' }));
    expect(refused.message).toBe('operation not allowed in state NOT_SERVING');

    await replica.mysqld.start();
    const n = seen.length;
    await until('serving again', async () => (seen.slice(n).some((h) => h.serving) ? true : undefined), 10_000);
    expect((await fetch(health)).status).toBe(200);
    // Replication resumed by itself: a new row on the primary arrives.
    await cluster
      .query(0)
      .Execute({ target: cluster.target('primary'), sql: "insert into t (id, v) values (4, 'four')" });
    await until('row 4 on the restarted replica', async () => {
      const r = await cluster
        .query(2)
        .Execute({ target: cluster.target('replica'), sql: 'select v from t where id = 4' });
      return r.rows.length === 1 ? true : undefined;
    });
    abort.abort();
    await stream;
  }, 40_000);

  it('serves /debug/vars, /metrics and /debug/status', async () => {
    const base = `http://127.0.0.1:${cluster.tablets[0]!.httpPort}`;
    const vars = (await (await fetch(`${base}/debug/vars`)).json()) as DebugVars;
    expect(vars.TabletAlias).toBe(cluster.tablets[0]!.alias);
    expect(vars.TabletType).toBe('primary');
    expect(vars.Serving).toBe(true);
    const qe = vars.QueryEngine;
    expect(qe.stats.queries['Insert']!.count).toBeGreaterThan(0);
    expect(qe.stats.errors['DEADLINE_EXCEEDED']).toBeGreaterThan(0);
    expect(vars.QueryService.errors['RESOURCE_EXHAUSTED']).toBeGreaterThan(0);
    expect(vars.QueryService.calls['Execute']).toBeGreaterThan(5);
    expect(qe.pools.transaction.capacity).toBe(2);
    expect(qe.stats.transactions.killed).toBeGreaterThanOrEqual(1);

    const metrics = await (await fetch(`${base}/metrics`)).text();
    for (const line of metrics.split('\n')) {
      if (line === '' || line.startsWith('#')) continue;
      expect(line).toMatch(
        /^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? -?[0-9.e+-]+$|^[a-zA-Z_:][a-zA-Z0-9_:]*(\{[^}]*\})? (NaN|[+-]Inf)$/,
      );
    }
    expect(metrics).toMatch(/vttablet_serving\{tablet="zone1-0000000100"\} 1/);
    expect(metrics).toMatch(/vttablet_queries_total\{plan_type="Insert",tablet="zone1-0000000100"\} \d+/);

    const status = await fetch(`${base}/debug/status`);
    expect(status.headers.get('content-type')).toMatch(/text\/html/);
    const html = await status.text();
    expect(html).toContain('zone1-0000000100');
    expect(html).toContain('SERVING');
  });

  it('measures tablet CPU per point select (tablet process, /proc/<pid>/stat)', async () => {
    const pid = cluster.tablets[0]!.proc!.pid!;
    const cpuTicks = (): number => {
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]); // utime + stime (fields 14 and 15 of the line)
    };
    const qs = cluster.query(0);
    const target = cluster.target('primary');
    const run = async (n: number, concurrency: number): Promise<void> => {
      let next = 0;
      await Promise.all(
        Array.from({ length: concurrency }, async () => {
          while (next < n) {
            const id = (next++ % 3) + 1;
            const r = await qs.Execute({
              target,
              sql: 'select id, v from t where id = :id',
              bindVars: { id: { type: 'int', value: String(id) } },
            });
            if (r.rows.length !== 1) throw new Error(`expected one row for id ${id}`);
          }
        }),
      );
    };
    await run(500, 4); // warm up (plan cache, pool connections, JIT)
    const n = 5000;
    const t0 = cpuTicks();
    const started = Date.now();
    await run(n, 4);
    const wallMs = Date.now() - started;
    const usPerQuery = ((cpuTicks() - t0) * 1e6) / 100 / n; // CLK_TCK = 100 on Linux
    process.stderr.write(
      `tablet CPU per point select: ${usPerQuery.toFixed(0)} µs (${n} queries, concurrency 4, ${wallMs} ms wall)\n`,
    );
    expect(usPerQuery).toBeGreaterThan(0);
    expect(usPerQuery).toBeLessThan(5000);
  }, 60_000);

  it('answers the tablet verbs on the command line', async () => {
    const [ping, schema, status, apply] = await Promise.all([
      cluster.vt('ctl', 'PingTablet', cluster.tablets[2]!.alias),
      cluster.vt('ctl', 'get-schema', cluster.tablets[0]!.alias, '--tables', 'u', '--json'),
      cluster.vt('ctl', 'get-full-status', cluster.tablets[1]!.alias),
      cluster.vt('ctl', 'apply-schema', 'test_ks', '--sql', 'create table w (id int primary key)'),
    ]);
    expect(ping.code, ping.stderr).toBe(0);
    expect(ping.stdout).toMatch(/^zone1-0000000102: ok \([\d.]+ ms\)/);
    expect(schema.code, schema.stderr).toBe(0);
    expect(JSON.parse(schema.stdout).tableDefinitions.map((t: { name: string }) => t.name)).toEqual(['u']);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ serverId: 101, tabletType: 'rdonly', readOnly: true });
    expect(apply.code, apply.stderr).toBe(0);
    expect(apply.stdout.trim()).toBe(`test_ks/0 (${cluster.tablets[0]!.alias}): ok, changed: w`);
    // A failing shard is named with its tablet and keeps the MySQL error (the CLI prints this message).
    const bad = await failure(applySchema(cluster.topo, 'test_ks', 'create table w (id int primary key)'));
    expect(bad.errno).toBe(1050);
    expect(bad.message).toMatch(
      /^apply-schema failed on 1 of 1 shard\(s\): test_ks\/0: tablet zone1-0000000100 \(127\.0\.0\.1:\d+\): Table 'w' already exists$/,
    );
  }, 60_000);

  it('drains on SIGTERM (exit 0) and comes back as the primary after a restart', async () => {
    const code = await cluster.restartProcess(0);
    expect(code).toBe(0);
    const rec = await cluster.topo.getTablet({ cell: 'zone1', uid: 100 });
    expect(rec.type).toBe('PRIMARY');
    expect(rec.port_map.grpc).toBe(cluster.tablets[0]!.rpcPort);
    const shard = await cluster.topo.getShard('test_ks', '0');
    for await (const h of cluster.query(0).StreamHealth({})) {
      expect(h).toMatchObject({
        serving: true,
        tabletType: 'primary',
        primaryTermStartTime: shard.primary_term_start_time,
      });
      break;
    }
    const ins = await cluster
      .query(0)
      .Execute({ target: cluster.target('primary'), sql: "insert into t (id, v) values (5, 'five')" });
    expect(Number(ins.affectedRows)).toBe(1);
  }, 60_000);
});
