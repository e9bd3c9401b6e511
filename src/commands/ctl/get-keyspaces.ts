import { CtlCommand } from '../../cli/ctl-command.js';
import { renderLines } from '../../cli/render.js';
import { getKeyspaces } from '../../core/ctl/keyspace-actions.js';

export default class GetKeyspaces extends CtlCommand {
  static override hiddenAliases = ['ctl:GetKeyspaces'];
  static override description = 'List keyspaces: names, one per line (--json: [{name, keyspace}]).';

  async run(): Promise<void> {
    const { flags } = await this.parse(GetKeyspaces);
    await this.runAction(
      flags,
      (ts) => getKeyspaces(ts),
      (ks) => renderLines(ks.map((k) => k.name)),
    );
  }
}
