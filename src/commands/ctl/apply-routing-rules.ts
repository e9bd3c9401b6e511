import { Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { applyRoutingRules } from '../../core/ctl/vschema-actions.js';

export default class ApplyRoutingRules extends CtlCommand {
  static override hiddenAliases = ['ctl:ApplyRoutingRules'];
  static override description = "Validate and save the routing rules, then rebuild every cell's SrvVSchema.";
  static override examples = [
    `<%= config.bin %> ctl apply-routing-rules --rules '{"rules":[{"from_table":"customer","to_tables":["commerce.customer"]}]}'`,
  ];
  static override flags = {
    rules: Flags.string({ description: 'Routing rules JSON.', exclusive: ['rules-file'] }),
    'rules-file': Flags.string({ description: 'File holding the routing rules JSON.', exclusive: ['rules'] }),
    'dry-run': Flags.boolean({ default: false, description: 'Validate and print the result without saving.' }),
    'skip-rebuild': Flags.boolean({ default: false, description: 'Save without rebuilding the SrvVSchema.' }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(ApplyRoutingRules);
    const text = await this.inlineOrFile(flags.rules, flags['rules-file'], ['rules', 'rules-file']);
    await this.runAction(
      flags,
      (ts) => applyRoutingRules(ts, text, { dryRun: flags['dry-run'], skipRebuild: flags['skip-rebuild'] }),
      (r) => `${r.saved ? 'New RoutingRules object' : 'Dry run, routing rules NOT saved'}:\n${renderJson(r.rules)}`,
    );
  }
}
