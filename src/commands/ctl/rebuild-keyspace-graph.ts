import { Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { rebuildKeyspaceGraph } from '../../core/ctl/graph-actions.js';
import { Err } from '../../core/errors/index.js';

export default class RebuildKeyspaceGraph extends CtlCommand {
  static override hiddenAliases = ['ctl:RebuildKeyspaceGraph'];
  static override description =
    "Rebuild keyspaces' SrvKeyspace in each cell from their serving shards (partitions for primary, replica, rdonly).";
  static override strict = false;
  static override flags = {
    cells: Flags.string({ multiple: true, delimiter: ',', description: 'Cells to update (default: all).' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(RebuildKeyspaceGraph);
    const keyspaces = argv as string[];
    await this.runAction(
      flags,
      async (ts) => {
        if (keyspaces.length === 0) throw Err.invalidArgument('no keyspace given (expected <keyspace> ...)');
        const out = [];
        for (const ks of keyspaces) {
          const r = await rebuildKeyspaceGraph(ts, ks, flags.cells ? { cells: flags.cells } : {});
          out.push({ keyspace: ks, ...r });
        }
        return out;
      },
      (rs) =>
        rs
          .map((r) =>
            r.cells.length === 0
              ? `No cells registered: SrvKeyspace for ${r.keyspace} written nowhere (vt ctl add-cell-info <cell> ...)`
              : `Rebuilt SrvKeyspace for ${r.keyspace} in cells: ${r.cells.join(', ')}`,
          )
          .join('\n'),
    );
  }
}
