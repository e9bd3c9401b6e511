import { Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { rebuildVSchemaGraph } from '../../core/ctl/graph-actions.js';

export default class RebuildVSchemaGraph extends CtlCommand {
  static override hiddenAliases = ['ctl:RebuildVSchemaGraph'];
  static override description = "Rebuild each cell's SrvVSchema from all keyspaces' VSchemas and the routing rules.";
  static override flags = {
    cells: Flags.string({ multiple: true, delimiter: ',', description: 'Cells to update (default: all).' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(RebuildVSchemaGraph);
    await this.runAction(
      flags,
      (ts) => rebuildVSchemaGraph(ts, flags.cells ? { cells: flags.cells } : {}),
      (r) =>
        r.cells.length === 0
          ? 'No cells registered: SrvVSchema written nowhere (vt ctl add-cell-info <cell> ...)'
          : `Rebuilt SrvVSchema in cells: ${r.cells.join(', ')}`,
    );
  }
}
