import { Command } from '@oclif/core';
import { instanceFlags, mysqldFromFlags, parseWaitTime, runVerb } from '../../cli/mysqlctl-flags.js';

export default class Shutdown extends Command {
  static override description = "Stop a tablet's mysqld cleanly (SIGTERM to its pid; SIGKILL after --wait-time)";

  static override flags = { ...instanceFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Shutdown);
    await runVerb(this, async () => {
      const m = await mysqldFromFlags(flags);
      if (!(await m.isInitialised())) this.error(`tablet ${m.uid} is not initialised (no ${m.paths.cnf})`, { exit: 1 });
      const r = await m.shutdown({ timeoutMs: parseWaitTime(flags['wait-time']) });
      if (!r.wasRunning) this.log(`mysqld for tablet ${m.uid} is not running`);
      else
        this.log(
          `stopped mysqld for tablet ${m.uid}${r.killed ? ' (killed: it did not stop within --wait-time)' : ''}`,
        );
    });
  }
}
