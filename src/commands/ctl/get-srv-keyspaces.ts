import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getSrvKeyspaces } from '../../core/ctl/graph-actions.js';

export default class GetSrvKeyspaces extends CtlCommand {
  static override hiddenAliases = ['ctl:GetSrvKeyspaces'];
  static override description = "Print a keyspace's SrvKeyspace per cell ({cell: SrvKeyspace}); cells default to all.";
  static override strict = false;
  static override args = {
    keyspace: Args.string({ required: true, description: 'Keyspace name.' }),
    cells: Args.string({ required: false, description: 'Cells (any number; default all).' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(GetSrvKeyspaces);
    const [keyspace, ...cells] = argv as string[];
    await this.runAction(flags, (ts) => getSrvKeyspaces(ts, keyspace!, cells), renderJson);
  }
}
