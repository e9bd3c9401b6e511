import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { applyVSchema } from '../../core/ctl/vschema-actions.js';

export default class ApplyVSchema extends CtlCommand {
  static override hiddenAliases = ['ctl:ApplyVSchema'];
  static override description =
    "Validate and save a keyspace's VSchema, then rebuild every cell's SrvVSchema (unless --skip-rebuild).";
  static override examples = [
    `<%= config.bin %> ctl apply-vschema customer --vschema '{"sharded":true,"vindexes":{"hash":{"type":"hash"}},"tables":{"customer":{"column_vindexes":[{"column":"customer_id","name":"hash"}]}}}'`,
    '<%= config.bin %> ctl apply-vschema customer --vschema-file vschema.json --dry-run',
  ];
  static override args = { keyspace: Args.string({ required: true, description: 'Keyspace name.' }) };
  static override flags = {
    vschema: Flags.string({ description: 'VSchema JSON.', exclusive: ['vschema-file'] }),
    'vschema-file': Flags.string({ description: 'File holding the VSchema JSON.', exclusive: ['vschema'] }),
    'dry-run': Flags.boolean({ default: false, description: 'Validate and print the result without saving.' }),
    'skip-rebuild': Flags.boolean({ default: false, description: 'Save without rebuilding the SrvVSchema.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ApplyVSchema);
    const text = await this.inlineOrFile(flags.vschema, flags['vschema-file'], ['vschema', 'vschema-file']);
    await this.runAction(
      flags,
      async (ts) => {
        const r = await applyVSchema(ts, args.keyspace, text, {
          dryRun: flags['dry-run'],
          skipRebuild: flags['skip-rebuild'],
        });
        for (const w of r.warnings) this.note(`Warning: ${w}`);
        return r;
      },
      (r) =>
        `${r.saved ? 'New VSchema object' : 'Dry run, VSchema NOT saved'}:\n${renderJson(r.vschema)}` +
        (r.saved && r.rebuiltCells.length > 0 ? `\nRebuilt SrvVSchema in cells: ${r.rebuiltCells.join(', ')}` : ''),
    );
  }
}
