import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { jsonableResult, renderResultTable } from '../../cli/result-table.js';
import { executeFetchAsDba } from '../../core/ctl/tablet-rpc-actions.js';

export default class ExecuteFetchAsDba extends CtlCommand {
  static override hiddenAliases = ['ctl:ExecuteFetchAsDba'];
  static override description = "Run SQL on a tablet's mysqld as the dba user (in the tablet's database).";
  static override args = {
    alias: Args.string({ required: true, description: 'Tablet alias, e.g. zone1-100.' }),
    sql: Args.string({ required: true, description: 'The statement(s); the last result is printed.' }),
  };
  static override flags = {
    'max-rows': Flags.integer({ default: 10000, description: 'Fail if the result has more rows.' }),
    'disable-binlogs': Flags.boolean({ default: false, description: 'Keep the statements out of the binlog.' }),
    'reload-schema': Flags.boolean({ default: false, description: 'Reload the schema afterwards.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExecuteFetchAsDba);
    await this.runAction(
      flags,
      async (ts) =>
        jsonableResult(
          await executeFetchAsDba(ts, args.alias, args.sql, {
            maxRows: flags['max-rows'],
            disableBinlogs: flags['disable-binlogs'],
            reloadSchema: flags['reload-schema'],
          }),
        ),
      renderResultTable,
    );
  }
}
