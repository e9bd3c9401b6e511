import { Command } from '@oclif/core';
import { instanceFlags, mysqldFromFlags, parseWaitTime, runVerb } from '../../cli/mysqlctl-flags.js';

export default class Teardown extends Command {
  static override description = "Stop a tablet's mysqld if it runs and delete its directory (data, binlogs, my.cnf)";

  static override flags = { ...instanceFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Teardown);
    await runVerb(this, async () => {
      const m = await mysqldFromFlags(flags);
      const r = await m.teardown({ timeoutMs: parseWaitTime(flags['wait-time']) });
      if (!r.removed) this.error(`tablet ${m.uid} has no directory ${m.paths.dir}`, { exit: 1 });
      this.log(`${r.wasRunning ? 'stopped mysqld and ' : ''}removed ${m.paths.dir}`);
    });
  }
}
