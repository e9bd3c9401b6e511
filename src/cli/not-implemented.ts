import type { Command } from '@oclif/core';

/** Roles that exist in the command tree but are not built yet exit non-zero and say so; nothing pretends. */
export function notImplemented(cmd: Command, role: string): never {
  cmd.error(`vt ${role}: not implemented yet (see README, "Status")`, { exit: 2 });
}
