import { readFile, open } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Small process and file helpers for managing a mysqld by pid. Linux-only (reads /proc), like the rest of
 * mysqlctl. Nothing here ever signals a process by name.
 */

/** True when `pid` exists and is not a zombie (an exited child that nobody reaped yet counts as dead). */
export async function isProcessAlive(pid: number): Promise<boolean> {
  try {
    process.kill(pid, 0);
  } catch (e) {
    // EPERM means it exists but belongs to someone else: alive.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // Field 3 (after the parenthesised command, which may itself contain spaces or parentheses).
    const state = stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3);
    return state !== 'Z' && state !== 'X';
  } catch {
    return false;
  }
}

/** The command line of `pid` as argv, or undefined when the process is gone. */
export async function processArgv(pid: number): Promise<string[] | undefined> {
  try {
    const raw = await readFile(`/proc/${pid}/cmdline`, 'utf8');
    return raw.split('\0').filter((a) => a !== '');
  } catch {
    return undefined;
  }
}

/** The pid recorded in a pid file, or undefined when the file is missing or does not hold a pid. */
export async function readPidFile(file: string): Promise<number | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number.parseInt(text.trim(), 10);
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Polls until `pid` is gone; false when it is still alive after `timeoutMs`. */
export async function waitForExit(pid: number, timeoutMs: number, pollMs = 25): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (!(await isProcessAlive(pid))) return true;
    if (Date.now() >= deadline) return false;
    await sleep(pollMs);
  }
}

/** Current size of a file, 0 when it does not exist: the offset from which a later tail starts. */
export async function fileSize(file: string): Promise<number> {
  try {
    const fh = await open(file, 'r');
    try {
      return (await fh.stat()).size;
    } finally {
      await fh.close();
    }
  } catch {
    return 0;
  }
}

/**
 * The last `maxLines` lines written to `file` after byte `fromOffset` (reads at most the last 64 KiB), so error
 * messages quote what this start attempt logged rather than an older run's lines.
 */
export async function readLogTail(file: string, fromOffset = 0, maxLines = 20): Promise<string[]> {
  let fh;
  try {
    fh = await open(file, 'r');
  } catch {
    return [];
  }
  try {
    const size = (await fh.stat()).size;
    const start = Math.max(fromOffset > size ? 0 : fromOffset, size - 65536);
    const buf = Buffer.alloc(size - start);
    await fh.read(buf, 0, buf.length, start);
    const lines = buf
      .toString('utf8')
      .split('\n')
      .filter((l) => l.trim() !== '');
    return lines.slice(-maxLines);
  } finally {
    await fh.close();
  }
}

/** Resident and private (not shared with other processes) memory of `pid` in KiB, from /proc; undefined when gone. */
export async function processMemory(pid: number): Promise<{ rssKb: number; privateKb: number } | undefined> {
  let text: string;
  try {
    text = await readFile(`/proc/${pid}/smaps_rollup`, 'utf8');
  } catch {
    return undefined;
  }
  const field = (name: string): number => Number(new RegExp(`^${name}:\\s+(\\d+) kB`, 'm').exec(text)?.[1] ?? 0);
  return { rssKb: field('Rss'), privateKb: field('Private_Clean') + field('Private_Dirty') };
}
