import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { addCellInfo } from '../../core/ctl/cell-actions.js';

export default class AddCellInfo extends CtlCommand {
  static override hiddenAliases = ['ctl:AddCellInfo'];
  static override description =
    "Register a cell and where its topology lives. For etcd, --server-address/--root are the cell's etcd and key prefix; for the local store, --root is a directory under the data root (/vitess/zone1 -> $VTDATAROOT/vitess/zone1).";
  static override examples = ['<%= config.bin %> ctl add-cell-info zone1 --root /vitess/zone1'];
  static override args = { cell: Args.string({ required: true, description: 'Cell name, e.g. zone1.' }) };
  static override flags = {
    'server-address': Flags.string({
      description: "The cell's topology server address (default: the global one).",
      default: '',
    }),
    root: Flags.string({ description: "The cell's root in its topology server (default /vitess/<cell>)." }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(AddCellInfo);
    const info = { server_address: flags['server-address'], root: flags.root ?? `/vitess/${args.cell}` };
    await this.runAction(
      flags,
      (ts) => addCellInfo(ts, args.cell, info),
      (ci) => `Created cell ${args.cell} (root ${ci.root}${ci.server_address ? `, server ${ci.server_address}` : ''})`,
    );
  }
}
