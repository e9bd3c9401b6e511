import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const repoRoot = fileURLToPath(new URL('../..', import.meta.url));
const runner = fileURLToPath(new URL('./vt-dev.ts', import.meta.url));

export interface VtResult {
  /** Exit status; -1 when the process was killed (timeout) or could not start. */
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/**
 * Runs `vt <args>` from the TypeScript sources in a child process (see vt-dev.ts) and resolves with its exit
 * status and output; a non-zero exit resolves too. `env` is merged over process.env.
 */
export function runVt(
  args: readonly string[],
  env: Record<string, string> = {},
  timeoutMs = 60_000,
): Promise<VtResult> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      ['--import', 'tsx', runner, ...args],
      { cwd: repoRoot, env: { ...process.env, ...env }, timeout: timeoutMs, maxBuffer: 16 << 20 },
      (err, stdout, stderr) => {
        const status = (err as { code?: unknown } | null)?.code;
        const code = err === null ? 0 : typeof status === 'number' ? status : -1;
        resolve({ code, stdout, stderr: err !== null && code === -1 ? `${stderr}${err.message}` : stderr });
      },
    );
  });
}
