import { Command } from '@oclif/core';
import { instanceFlags, mysqldFromFlags, parseWaitTime, runVerb } from '../../cli/mysqlctl-flags.js';

export default class Start extends Command {
  static override description = "Start an initialised tablet's mysqld and wait until it accepts connections";

  static override flags = { ...instanceFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Start);
    await runVerb(this, async () => {
      const m = await mysqldFromFlags(flags);
      const started = Date.now();
      const pid = await m.start({ timeoutMs: parseWaitTime(flags['wait-time']) });
      this.log(
        `started mysqld for tablet ${m.uid} in ${Date.now() - started} ms: pid ${pid} on 127.0.0.1:${m.port}, socket ${m.paths.socket}`,
      );
    });
  }
}
