import path from 'node:path';
import { createConnection } from 'mysql2/promise';
import { Err, VtError } from '../errors/index.js';
import { parseTabletAlias } from '../topo/records/tablet-alias.js';
import type { TopoServer } from '../topo/topo-server.js';
import type { KeyspaceSpec } from './cluster-plan.js';
import type { TabletRecord } from './cluster-state.js';
import { logTail, spawnDetached, type StartedProcess } from './process-supervisor.js';
import { waitUntil } from './wait-until.js';

/** What every launcher needs: where the cluster lives and how to run `vt` and its children. */
export interface LaunchContext {
  readonly root: string;
  /** argv prefix that runs this executable (see selfCommand). */
  readonly vtCommand: readonly string[];
  /** Environment of every child: VTDATAROOT and the VT_TOPO_* variables of this cluster. */
  readonly childEnv: NodeJS.ProcessEnv;
  readonly signal?: AbortSignal | undefined;
}

export function logFile(ctx: LaunchContext, name: string): string {
  return path.join(ctx.root, 'logs', `${name}.log`);
}

export function pidFile(ctx: LaunchContext, name: string): string {
  return path.join(ctx.root, 'pids', `${name}.pid`);
}

/** Fails with the process's log tail: what a user needs to see when a child dies or never gets ready. */
async function withLog<T>(p: StartedProcess, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    const err = VtError.from(e);
    if (err.code === 'CANCELED') throw err;
    throw new VtError(err.code, `${err.message}${await logTail(p.record.log)}`, { cause: err });
  }
}

/**
 * Starts a single-member etcd on loopback (data under ROOT/etcd) and waits until a range read answers.
 * Throws UNAVAILABLE with its log tail when it exits or is not ready within 20 s.
 */
export async function launchEtcd(
  ctx: LaunchContext,
  ports: { client: number; peer: number },
  onStarted: (p: StartedProcess) => Promise<void>,
): Promise<{ process: StartedProcess; address: string }> {
  const dataDir = path.join(ctx.root, 'etcd');
  const client = `http://127.0.0.1:${ports.client}`;
  const peer = `http://127.0.0.1:${ports.peer}`;
  // The same single-member set-up as src/core/topo/etcd-process.ts, but detached: it outlives `vt up`.
  const argv = [
    'etcd',
    '--name=vt',
    `--data-dir=${dataDir}`,
    `--listen-client-urls=${client}`,
    `--advertise-client-urls=${client}`,
    `--listen-peer-urls=${peer}`,
    `--initial-advertise-peer-urls=${peer}`,
    `--initial-cluster=vt=${peer}`,
    '--initial-cluster-state=new',
  ];
  const p = await spawnDetached({
    name: 'etcd',
    role: 'etcd',
    argv,
    match: [`--data-dir=${dataDir}`],
    env: ctx.childEnv,
    log: logFile(ctx, 'etcd'),
    pidFile: pidFile(ctx, 'etcd'),
  });
  await onStarted(p);
  await withLog(p, () =>
    waitUntil(
      `etcd on ${client}`,
      async () => {
        const res = await fetch(`${client}/v3/kv/range`, {
          method: 'POST',
          body: JSON.stringify({ key: Buffer.from('/vt-health').toString('base64') }),
          signal: AbortSignal.timeout(1_000),
        });
        return res.ok ? true : undefined;
      },
      { timeoutMs: 20_000, signal: ctx.signal, gone: p.exitReason },
    ),
  );
  return { process: p, address: `127.0.0.1:${ports.client}` };
}

/**
 * Starts `vt tablet` for one planned tablet and waits until it answers on its HTTP port and its topology
 * record carries the RPC port it was given. Throws UNAVAILABLE naming the tablet, with its log tail.
 */
export async function launchTablet(
  ctx: LaunchContext,
  ts: TopoServer,
  t: TabletRecord,
  onStarted: (p: StartedProcess) => Promise<void>,
): Promise<StartedProcess> {
  const name = `tablet-${t.uid}`;
  const args = [
    'tablet',
    '--tablet-path',
    t.alias,
    '--init-keyspace',
    t.keyspace,
    '--init-shard',
    t.shard,
    '--init-tablet-type',
    t.role === 'rdonly' ? 'rdonly' : 'replica',
    '--port',
    String(t.httpPort),
    '--grpc-port',
    String(t.grpcPort),
    '--mysql-port',
    String(t.mysqlPort),
    // mysqld listens on loopback only, and replicas must reach it over TCP ("localhost" means the socket).
    '--hostname',
    '127.0.0.1',
  ];
  const p = await spawnDetached({
    name,
    role: 'tablet',
    argv: [...ctx.vtCommand, ...args],
    match: ['tablet', t.alias, String(t.grpcPort)],
    env: ctx.childEnv,
    log: logFile(ctx, name),
    pidFile: pidFile(ctx, name),
  });
  await onStarted(p);
  const alias = parseTabletAlias(t.alias);
  await withLog(p, () =>
    waitUntil(
      `tablet ${t.alias} (${t.keyspace}/${t.shard})`,
      async () => {
        // The record may predate this process (a restart), so the process must also answer on its HTTP port.
        const rec = await ts.getTablet(alias);
        if (rec.port_map.grpc !== t.grpcPort) return undefined;
        await fetch(`http://127.0.0.1:${t.httpPort}/healthz`, { signal: AbortSignal.timeout(1_000) });
        return rec;
      },
      { timeoutMs: 60_000, intervalMs: 150, signal: ctx.signal, gone: p.exitReason },
    ),
  );
  return p;
}

/**
 * Starts `vt gate` and waits until a MySQL client can connect and run `select 1` against every shard of
 * every keyspace (`USE ks:shard`), i.e. until the gate has discovered a serving primary for each.
 */
export async function launchGate(
  ctx: LaunchContext,
  o: { cell: string; mysqlPort: number; httpPort: number; keyspaces: readonly KeyspaceSpec[] },
  onStarted: (p: StartedProcess) => Promise<void>,
): Promise<StartedProcess> {
  const args = ['gate', '--mysql-server-port', String(o.mysqlPort), '--port', String(o.httpPort), '--cell', o.cell];
  const p = await spawnDetached({
    name: 'gate',
    role: 'gate',
    argv: [...ctx.vtCommand, ...args],
    match: ['gate', String(o.mysqlPort)],
    env: ctx.childEnv,
    log: logFile(ctx, 'gate'),
    pidFile: pidFile(ctx, 'gate'),
  });
  await onStarted(p);
  const targets = o.keyspaces.flatMap((ks) => ks.shards.map((s) => `${ks.name}:${s}`));
  await withLog(p, () =>
    waitUntil(
      `gate on 127.0.0.1:${o.mysqlPort} serving ${targets.join(', ')}`,
      async () => {
        const c = await createConnection({ host: '127.0.0.1', port: o.mysqlPort, user: 'root', connectTimeout: 2_000 });
        try {
          for (const target of targets) {
            await c.query(`USE \`${target}\``);
            await c.query('SELECT 1');
          }
          return true;
        } catch (e) {
          throw Err.unavailable(`${(e as Error).message}`);
        } finally {
          c.destroy();
        }
      },
      { timeoutMs: 60_000, intervalMs: 250, signal: ctx.signal, gone: p.exitReason },
    ),
  );
  return p;
}
