import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { getTabletSchema } from '../../core/ctl/tablet-rpc-actions.js';

export default class GetSchema extends CtlCommand {
  static override hiddenAliases = ['ctl:GetSchema'];
  static override description =
    "Print a tablet's schema: CREATE statements (or, with --json, tables with columns and primary keys).";
  static override args = { alias: Args.string({ required: true, description: 'Tablet alias, e.g. zone1-100.' }) };
  static override flags = {
    tables: Flags.string({ multiple: true, delimiter: ',', description: 'Only these tables.' }),
    'table-names-only': Flags.boolean({ default: false, description: 'Print only table names.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetSchema);
    await this.runAction(
      flags,
      (ts) => getTabletSchema(ts, args.alias, flags.tables),
      (s) =>
        flags['table-names-only']
          ? s.tableDefinitions.map((t) => t.name).join('\n')
          : [s.databaseSchema, ...s.tableDefinitions.map((t) => t.schema)].filter((x) => x !== '').join(';\n\n') +
            (s.databaseSchema || s.tableDefinitions.length > 0 ? ';' : ''),
    );
  }
}
