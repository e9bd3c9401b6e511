import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderLines } from '../../cli/render.js';
import { getTopologyPath } from '../../core/ctl/topology-path.js';

export default class GetTopologyPath extends CtlCommand {
  static override hiddenAliases = ['ctl:GetTopologyPath'];
  static override description =
    'Print the raw value at a topology path, or list the directory there (sub-directories end with /).';
  static override examples = [
    '<%= config.bin %> ctl get-topology-path /keyspaces/commerce/Keyspace',
    '<%= config.bin %> ctl get-topology-path /tablets --cell zone1',
  ];
  static override args = { path: Args.string({ required: true, description: 'Absolute path, e.g. /keyspaces.' }) };
  static override flags = {
    cell: Flags.string({ description: "Read from this cell's store instead of the global one." }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetTopologyPath);
    await this.runAction(
      flags,
      (ts) => getTopologyPath(ts, args.path, flags.cell === undefined ? {} : { cell: flags.cell }),
      (node) =>
        node.kind === 'value'
          ? node.data.replace(/\n$/, '')
          : renderLines(node.children.map((c) => (c.isDir ? `${c.name}/` : c.name))),
    );
  }
}
