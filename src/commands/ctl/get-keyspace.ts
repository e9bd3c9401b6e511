import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getKeyspace } from '../../core/ctl/keyspace-actions.js';

export default class GetKeyspace extends CtlCommand {
  static override hiddenAliases = ['ctl:GetKeyspace'];
  static override description = 'Print a keyspace record ({name, keyspace}).';
  static override args = { keyspace: Args.string({ required: true, description: 'Keyspace name.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetKeyspace);
    await this.runAction(flags, (ts) => getKeyspace(ts, args.keyspace), renderJson);
  }
}
