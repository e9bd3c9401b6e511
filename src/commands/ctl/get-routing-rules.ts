import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getRoutingRules } from '../../core/ctl/vschema-actions.js';

export default class GetRoutingRules extends CtlCommand {
  static override hiddenAliases = ['ctl:GetRoutingRules'];
  static override description = 'Print the routing rules ({"rules": [...]}).';

  async run(): Promise<void> {
    const { flags } = await this.parse(GetRoutingRules);
    await this.runAction(flags, (ts) => getRoutingRules(ts), renderJson);
  }
}
