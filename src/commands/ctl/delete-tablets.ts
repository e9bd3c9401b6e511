import { Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { deleteTablets } from '../../core/ctl/tablet-actions.js';

export default class DeleteTablets extends CtlCommand {
  static override hiddenAliases = ['ctl:DeleteTablets'];
  static override description = 'Delete tablet records (aliases ...); a primary only with --allow-primary.';
  static override strict = false;
  static override flags = {
    'allow-primary': Flags.boolean({ default: false, description: 'Allow deleting a PRIMARY tablet.' }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DeleteTablets);
    const aliases = argv as string[];
    await this.runAction(
      flags,
      async (ts) => {
        await deleteTablets(ts, aliases, { allowPrimary: flags['allow-primary'] });
        return { deleted: aliases };
      },
      () => `Successfully deleted tablets ${aliases.join(', ')}.`,
    );
  }
}
