import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getFullStatus } from '../../core/ctl/tablet-rpc-actions.js';

export default class GetFullStatus extends CtlCommand {
  static override hiddenAliases = ['ctl:GetFullStatus'];
  static override description =
    "Print a tablet's full status: server id, version, positions, read_only, replication status and lag, type.";
  static override args = { alias: Args.string({ required: true, description: 'Tablet alias, e.g. zone1-100.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetFullStatus);
    await this.runAction(flags, (ts) => getFullStatus(ts, args.alias), renderJson);
  }
}
