import { spawn } from 'node:child_process';
import { mkdir, open, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Err } from '../errors/index.js';
import { isProcessAlive, processArgv, readLogTail, waitForExit } from '../mysqlctl/process-utils.js';
import type { ProcessRecord, ProcessRole } from './cluster-state.js';

export interface SpawnOptions {
  readonly name: string;
  readonly role: ProcessRole;
  readonly argv: readonly string[];
  /** Strings the process's command line must contain for it to count as ours later. */
  readonly match: readonly string[];
  readonly env: NodeJS.ProcessEnv;
  readonly log: string;
  readonly pidFile: string;
}

/** A process this `vt up` started: its record plus, while we are its parent, how it ended. */
export interface StartedProcess {
  readonly record: ProcessRecord;
  /** Set once the process has exited ("exit code 1", "killed by SIGKILL"), while this process is its parent. */
  exitReason(): string | undefined;
}

/**
 * Starts a detached background process (its own session, so a terminal's Ctrl-C after `vt up` returned does
 * not reach it) with stdin closed and stdout+stderr appended to `log`, and writes its pid file. Resolves once
 * the process is spawned; throws UNAVAILABLE when the executable cannot be run.
 */
export async function spawnDetached(o: SpawnOptions): Promise<StartedProcess> {
  await mkdir(path.dirname(o.log), { recursive: true });
  await mkdir(path.dirname(o.pidFile), { recursive: true });
  const log = await open(o.log, 'a');
  let exit: string | undefined;
  let pid: number;
  try {
    const [cmd, ...args] = o.argv;
    if (cmd === undefined) throw Err.internal(`no command for ${o.name}`);
    const child = spawn(cmd, args, { detached: true, stdio: ['ignore', log.fd, log.fd], env: o.env });
    await new Promise<void>((resolve, reject) => {
      child.once('spawn', resolve);
      child.once('error', (e: Error) => reject(Err.unavailable(`cannot run ${o.name} (${cmd}): ${e.message}`)));
    });
    child.once('exit', (code, signal) => {
      exit = signal !== null ? `killed by ${signal}` : `exit code ${code ?? '?'}`;
    });
    child.unref();
    pid = child.pid as number;
  } finally {
    await log.close();
  }
  await writeFile(o.pidFile, `${pid}\n`);
  const record: ProcessRecord = {
    name: o.name,
    role: o.role,
    pid,
    argv: o.argv,
    match: o.match,
    log: o.log,
    pidFile: o.pidFile,
  };
  return { record, exitReason: () => exit };
}

/** True when the recorded pid is alive and its command line still names this process. */
export async function isRecordedProcessAlive(r: Pick<ProcessRecord, 'pid' | 'match'>): Promise<boolean> {
  if (!(await isProcessAlive(r.pid))) return false;
  const argv = await processArgv(r.pid);
  if (argv === undefined) return false;
  return r.match.every((m) => argv.includes(m));
}

export interface StopResult {
  readonly name: string;
  readonly wasRunning: boolean;
  readonly killed: boolean;
}

/**
 * Stops a recorded process: SIGTERM, then SIGKILL when it is still alive after `graceMs`. Never signals a pid
 * whose command line no longer matches the record. Removes the pid file. Throws INTERNAL only when the process
 * survives SIGKILL.
 */
export async function stopRecordedProcess(r: ProcessRecord, graceMs: number): Promise<StopResult> {
  let wasRunning = false;
  let killed = false;
  if (await isRecordedProcessAlive(r)) {
    wasRunning = true;
    signal(r.pid, 'SIGTERM');
    if (!(await waitForExit(r.pid, graceMs))) {
      killed = true;
      signal(r.pid, 'SIGKILL');
      if (!(await waitForExit(r.pid, 10_000))) throw Err.internal(`${r.name} (pid ${r.pid}) survived SIGKILL`);
    }
  }
  await rm(r.pidFile, { force: true });
  return { name: r.name, wasRunning, killed };
}

/** The last lines of a process's log, indented for an error message ('' when the log is empty). */
export async function logTail(file: string, lines = 15): Promise<string> {
  const tail = await readLogTail(file, 0, lines);
  return tail.length === 0 ? '' : `\n  last lines of ${file}:\n${tail.map((l) => `    ${l}`).join('\n')}`;
}

function signal(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ESRCH') throw e;
  }
}
