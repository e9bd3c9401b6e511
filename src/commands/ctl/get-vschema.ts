import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getVSchema } from '../../core/ctl/vschema-actions.js';

export default class GetVSchema extends CtlCommand {
  static override hiddenAliases = ['ctl:GetVSchema'];
  static override description = "Print a keyspace's VSchema.";
  static override args = { keyspace: Args.string({ required: true, description: 'Keyspace name.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetVSchema);
    await this.runAction(flags, (ts) => getVSchema(ts, args.keyspace), renderJson);
  }
}
