import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { pingTablet } from '../../core/ctl/tablet-rpc-actions.js';

export default class PingTablet extends CtlCommand {
  static override hiddenAliases = ['ctl:PingTablet'];
  static override description = 'Check that a tablet answers RPCs (at its record address).';
  static override args = { alias: Args.string({ required: true, description: 'Tablet alias, e.g. zone1-100.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(PingTablet);
    await this.runAction(
      flags,
      (ts) => pingTablet(ts, args.alias),
      (r) => `${r.tablet}: ok (${r.ms.toFixed(1)} ms)`,
    );
  }
}
