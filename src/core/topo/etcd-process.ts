import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir, open } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Err, VtError } from '../errors/index.js';
import { findFreePort } from '../net/free-port.js';

export interface StartEtcdOptions {
  readonly dataDir: string;
  /** Client port on 127.0.0.1; a free one is picked when omitted. */
  readonly clientPort?: number;
  /** Peer port on 127.0.0.1; a free one is picked when omitted. */
  readonly peerPort?: number;
  /** etcd's stdout+stderr go here (appended); discarded when omitted. */
  readonly logFile?: string;
  /** Binary to run; default `etcd` from PATH. */
  readonly etcdBinary?: string;
  /** How long to wait for the server to answer a read. Default 15 s. */
  readonly startTimeoutMs?: number;
}

export interface EtcdProcess {
  /** Client URL, e.g. 'http://127.0.0.1:23791'. */
  readonly address: string;
  readonly pid: number;
  /** SIGTERM, then SIGKILL after 5 s; resolves once the process has exited. Idempotent. */
  stop(): Promise<void>;
}

const STOP_GRACE_MS = 5_000;

/**
 * Starts a single-member etcd on loopback and resolves once a range read through its client URL succeeds.
 * When ports are picked here and the server dies on start (a port taken in between), it retries with new
 * ports (3 attempts). Fails UNAVAILABLE with the exit status when etcd does not come up.
 */
export async function startEtcd(options: StartEtcdOptions): Promise<EtcdProcess> {
  await mkdir(options.dataDir, { recursive: true });
  const attempts = options.clientPort === undefined || options.peerPort === undefined ? 3 : 1;
  let lastErr: unknown;
  for (let i = 0; i < attempts; i++) {
    try {
      return await startOnce(options);
    } catch (e) {
      lastErr = e;
    }
  }
  throw VtError.from(lastErr, 'UNAVAILABLE');
}

async function startOnce(options: StartEtcdOptions): Promise<EtcdProcess> {
  const clientPort = options.clientPort ?? (await findFreePort());
  let peerPort = options.peerPort ?? (await findFreePort());
  while (peerPort === clientPort) peerPort = await findFreePort();
  const client = `http://127.0.0.1:${clientPort}`;
  const peer = `http://127.0.0.1:${peerPort}`;
  const args = [
    '--name',
    'vt',
    '--data-dir',
    options.dataDir,
    '--listen-client-urls',
    client,
    '--advertise-client-urls',
    client,
    '--listen-peer-urls',
    peer,
    '--initial-advertise-peer-urls',
    peer,
    '--initial-cluster',
    `vt=${peer}`,
    '--initial-cluster-state',
    'new',
    '--logger',
    'zap',
    '--log-outputs',
    'stderr',
  ];
  let logFd: number | 'ignore' = 'ignore';
  const logHandle = options.logFile === undefined ? undefined : await openLog(options.logFile);
  if (logHandle !== undefined) logFd = logHandle.fd;
  const child = spawn(options.etcdBinary ?? 'etcd', args, { stdio: ['ignore', logFd, logFd] });
  // The child holds its own copy of the descriptor.
  await logHandle?.close();
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(`etcd exited (code ${code}, signal ${signal})`));
    child.once('error', (e) => resolve(`etcd failed to start: ${e.message}`));
  });
  const deadline = Date.now() + (options.startTimeoutMs ?? 15_000);
  for (;;) {
    const outcome = await Promise.race([exited, healthy(client).then((ok) => (ok ? 'ok' : undefined))]);
    if (outcome === 'ok') break;
    if (outcome !== undefined) throw Err.unavailable(`${outcome}; ${describe(args, options.logFile)}`);
    if (Date.now() > deadline) {
      await stopChild(child, exited);
      throw Err.unavailable(`etcd did not become healthy at ${client} in time; ${describe(args, options.logFile)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  const pid = child.pid ?? 0;
  return { address: client, pid, stop: () => stopChild(child, exited) };
}

async function openLog(file: string) {
  await mkdir(dirname(file), { recursive: true });
  return open(file, 'a');
}

/** True when a range read through the v3 JSON gateway answers (the server has a leader and serves reads). */
async function healthy(client: string): Promise<boolean> {
  try {
    const res = await fetch(`${client}/v3/kv/range`, {
      method: 'POST',
      body: JSON.stringify({ key: Buffer.from('/vt-health').toString('base64') }),
      signal: AbortSignal.timeout(1_000),
    });
    return res.ok;
  } catch {
    return false;
  }
}

async function stopChild(child: ChildProcess, exited: Promise<string>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), STOP_GRACE_MS);
  await exited;
  clearTimeout(timer);
}

function describe(args: string[], logFile: string | undefined): string {
  return `command: etcd ${args.join(' ')}` + (logFile === undefined ? '' : `; log: ${logFile}`);
}
