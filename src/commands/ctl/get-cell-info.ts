import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getCellInfo } from '../../core/ctl/cell-actions.js';

export default class GetCellInfo extends CtlCommand {
  static override hiddenAliases = ['ctl:GetCellInfo'];
  static override description = "Print a cell's CellInfo (server_address, root).";
  static override args = { cell: Args.string({ required: true, description: 'Cell name.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetCellInfo);
    await this.runAction(flags, (ts) => getCellInfo(ts, args.cell), renderJson);
  }
}
