import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getSrvVSchema } from '../../core/ctl/graph-actions.js';

export default class GetSrvVSchema extends CtlCommand {
  static override hiddenAliases = ['ctl:GetSrvVSchema'];
  static override description = "Print a cell's SrvVSchema.";
  static override args = { cell: Args.string({ required: true, description: 'Cell name.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetSrvVSchema);
    await this.runAction(flags, (ts) => getSrvVSchema(ts, args.cell), renderJson);
  }
}
