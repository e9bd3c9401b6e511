import { Command } from '@oclif/core';
import {
  dbConfigFlags,
  dbConfigsFromFlags,
  instanceFlags,
  mysqldFromFlags,
  runVerb,
} from '../../cli/mysqlctl-flags.js';

export default class Position extends Command {
  static override description =
    "Print a tablet mysqld's MariaDB GTID position (@@gtid_binlog_pos; empty when nothing was written)";

  static override flags = { ...instanceFlags, ...dbConfigFlags };

  async run(): Promise<void> {
    const { flags } = await this.parse(Position);
    await runVerb(this, async () => {
      const m = await mysqldFromFlags(flags, { dbConfigs: dbConfigsFromFlags(flags) });
      if (!(await m.isRunning())) this.error(`mysqld for tablet ${m.uid} is not running`, { exit: 1 });
      this.log(await m.primaryPosition());
    });
  }
}
