import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { changeTabletType } from '../../core/ctl/tablet-rpc-actions.js';

export default class ChangeTabletType extends CtlCommand {
  static override hiddenAliases = ['ctl:ChangeTabletType'];
  static override description =
    'Change a tablet between replica, rdonly, spare and drained (through the tablet, which updates its record). Not to or from primary.';
  static override args = {
    alias: Args.string({ required: true, description: 'Tablet alias, e.g. zone1-100.' }),
    type: Args.string({ required: true, description: 'New type: replica, rdonly, spare, drained.' }),
  };
  static override flags = {
    'dry-run': Flags.boolean({ default: false, description: 'Only check and show what would change.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ChangeTabletType);
    await this.runAction(
      flags,
      (ts) => changeTabletType(ts, args.alias, args.type, { dryRun: flags['dry-run'] }),
      (r) => `${r.dryRun ? '(dry run) would change' : 'Changed'} ${r.tablet} from ${r.before} to ${r.after}`,
    );
  }
}
