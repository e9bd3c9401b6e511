import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getTablet } from '../../core/ctl/tablet-actions.js';

export default class GetTablet extends CtlCommand {
  static override hiddenAliases = ['ctl:GetTablet'];
  static override description = 'Print a tablet record.';
  static override args = { alias: Args.string({ required: true, description: 'Tablet alias, e.g. zone1-100.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetTablet);
    await this.runAction(flags, (ts) => getTablet(ts, args.alias), renderJson);
  }
}
