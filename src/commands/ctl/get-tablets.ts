import { Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderLines, renderTabletLine } from '../../cli/render.js';
import { getTablets } from '../../core/ctl/tablet-actions.js';

export default class GetTablets extends CtlCommand {
  static override hiddenAliases = ['ctl:GetTablets'];
  static override description =
    'List tablets, one per line: alias keyspace shard type host:port mysql_host:port [tags] primary_term_start.';
  static override flags = {
    keyspace: Flags.string({ description: 'Only tablets of this keyspace.' }),
    shard: Flags.string({ description: 'Only tablets of this shard (needs --keyspace).' }),
    cell: Flags.string({ multiple: true, delimiter: ',', description: 'Only tablets in these cells.' }),
    'tablet-alias': Flags.string({ multiple: true, delimiter: ',', description: 'Exactly these tablets.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(GetTablets);
    await this.runAction(
      flags,
      (ts) =>
        getTablets(ts, {
          ...(flags.keyspace === undefined ? {} : { keyspace: flags.keyspace }),
          ...(flags.shard === undefined ? {} : { shard: flags.shard }),
          ...(flags.cell === undefined ? {} : { cells: flags.cell }),
          ...(flags['tablet-alias'] === undefined ? {} : { tabletAliases: flags['tablet-alias'] }),
        }),
      (tablets) => renderLines(tablets.map(renderTabletLine)),
    );
  }
}
