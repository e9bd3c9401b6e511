import { readFile } from 'node:fs/promises';
import { Command, Errors, Flags } from '@oclif/core';
import { defaultDataRoot, type Env } from '../core/env/env.js';
import { createLogger } from '../core/env/logger.js';
import { Err, VtError } from '../core/errors/index.js';
import { openTopoServer } from '../core/topo/open-topo-server.js';
import type { TopoServer } from '../core/topo/topo-server.js';
import { topoFlags, topoOptionsFromFlags, type TopoFlagValues } from './topo-flags.js';

/** Flags every `vt ctl` verb accepts (topology + output format). */
export interface CtlFlagValues extends TopoFlagValues {
  readonly json: boolean;
}

/**
 * Base of the `vt ctl` verbs: each verb parses its own args, then calls `runAction` with a function over an
 * open TopoServer (from src/core/ctl) and a human renderer. The base opens the topology from the topo flags,
 * runs the action, always closes the topology, prints JSON (`--json`) or the human form to stdout, and turns
 * any failure into ONE line on stderr (`Error: <message>`) with exit status 1 (no stack traces, even under
 * bin/dev.js which turns oclif's debug mode on; VT_DEBUG=1 adds the stack).
 */
export abstract class CtlCommand extends Command {
  static override baseFlags = {
    ...topoFlags,
    json: Flags.boolean({ description: 'Print the result as JSON on stdout.', default: false }),
  };

  protected async runAction<T>(
    flags: CtlFlagValues,
    action: (ts: TopoServer) => Promise<T>,
    human: (result: T) => string | undefined,
  ): Promise<void> {
    let out: string | undefined;
    try {
      const env: Env = {
        logger: createLogger({ level: process.env['VT_LOG_LEVEL'] ?? 'warn', name: 'vt-ctl' }),
        dataRoot: defaultDataRoot(),
      };
      const ts = await openTopoServer(topoOptionsFromFlags(flags, env.dataRoot), env);
      try {
        const result = await action(ts);
        out = flags.json ? JSON.stringify(result ?? null, null, 2) : human(result);
      } finally {
        await ts.close().catch(() => undefined);
      }
    } catch (e) {
      this.fail(e);
    }
    if (out !== undefined && out !== '') this.log(out);
  }

  /** Prints `message` to stderr (warnings that must not pollute JSON output). */
  protected note(message: string): void {
    process.stderr.write(`${message}\n`);
  }

  /** Reads a value given inline or from a file flag; exactly one must be set. */
  protected async inlineOrFile(
    inline: string | undefined,
    file: string | undefined,
    names: [string, string],
  ): Promise<string> {
    if ((inline === undefined) === (file === undefined)) {
      this.fail(Err.invalidArgument(`exactly one of --${names[0]} or --${names[1]} is required`));
    }
    if (inline !== undefined) return inline;
    try {
      return await readFile(file!, 'utf8');
    } catch (e) {
      this.fail(
        Err.invalidArgument(
          `cannot read --${names[1]} ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
        ),
      );
    }
  }

  /** Prints the error as one line on stderr and exits 1. */
  protected fail(e: unknown): never {
    const err = VtError.from(e);
    if (process.env['VT_DEBUG']) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
    process.stderr.write(`Error: ${oneLine(err.message) || err.code}\n`);
    this.exit(1);
  }

  /**
   * Flag/argument errors from oclif's parser arrive here (multi-line, followed by the whole help text): they
   * become one line too, keeping oclif's exit status (2 for usage errors; 1 for anything else).
   */
  protected override async catch(err: Error & { oclif?: { exit?: number } }): Promise<never> {
    if (err instanceof Errors.ExitError) throw err;
    if (process.env['VT_DEBUG']) process.stderr.write(`${err.stack ?? String(err)}\n`);
    process.stderr.write(`Error: ${oneLine(err.message)}\n`);
    this.exit(err.oclif?.exit ?? 1);
  }
}

/** Collapses a (possibly multi-line) message onto one line. */
export function oneLine(message: string): string {
  return message
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l !== '')
    .join(' ');
}
