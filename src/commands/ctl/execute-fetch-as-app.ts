import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { jsonableResult, renderResultTable } from '../../cli/result-table.js';
import { executeFetchAsApp } from '../../core/ctl/tablet-rpc-actions.js';

export default class ExecuteFetchAsApp extends CtlCommand {
  static override hiddenAliases = ['ctl:ExecuteFetchAsApp'];
  static override description = "Run SQL on a tablet's mysqld as the app user (in the tablet's database).";
  static override args = {
    alias: Args.string({ required: true, description: 'Tablet alias, e.g. zone1-100.' }),
    sql: Args.string({ required: true, description: 'The statement(s); the last result is printed.' }),
  };
  static override flags = {
    'max-rows': Flags.integer({ default: 10000, description: 'Fail if the result has more rows.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ExecuteFetchAsApp);
    await this.runAction(
      flags,
      async (ts) => jsonableResult(await executeFetchAsApp(ts, args.alias, args.sql, { maxRows: flags['max-rows'] })),
      renderResultTable,
    );
  }
}
