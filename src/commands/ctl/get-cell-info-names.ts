import { CtlCommand } from '../../cli/ctl-command.js';
import { renderLines } from '../../cli/render.js';
import { getCellInfoNames } from '../../core/ctl/cell-actions.js';

export default class GetCellInfoNames extends CtlCommand {
  static override hiddenAliases = ['ctl:GetCellInfoNames'];
  static override description = 'List the registered cells, one per line.';

  async run(): Promise<void> {
    const { flags } = await this.parse(GetCellInfoNames);
    await this.runAction(flags, (ts) => getCellInfoNames(ts), renderLines);
  }
}
