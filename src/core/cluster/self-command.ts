import { isSea } from 'node:sea';

/**
 * How to run this same executable again: the single binary is just its path; under node (bin/run.js,
 * bin/dev.js, or a script loaded with --import tsx) it is node, its runtime flags and the entry script.
 * `vt up` starts tablets and the gate this way, so they run exactly the code (and version) that started them.
 * Inspector flags are dropped: every child would otherwise try to open the same debugger port.
 */
export function selfCommand(): string[] {
  if (isSea()) return [process.execPath];
  const script = process.argv[1];
  const flags = process.execArgv.filter((a) => !/^--inspect(-brk|-port|-wait)?(=|$)/.test(a));
  return script === undefined ? [process.execPath] : [process.execPath, ...flags, script];
}
