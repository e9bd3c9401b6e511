import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { deleteKeyspace } from '../../core/ctl/keyspace-actions.js';

export default class DeleteKeyspace extends CtlCommand {
  static override hiddenAliases = ['ctl:DeleteKeyspace'];
  static override description = 'Delete a keyspace; refuses one that still has shards unless --recursive.';
  static override args = { keyspace: Args.string({ required: true, description: 'Keyspace name.' }) };
  static override flags = {
    recursive: Flags.boolean({
      default: false,
      description: 'Also delete its shards, tablets, serving records and VSchema.',
    }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(DeleteKeyspace);
    await this.runAction(
      flags,
      async (ts) => {
        await deleteKeyspace(ts, args.keyspace, { recursive: flags.recursive });
        return { deleted: args.keyspace };
      },
      () => `Successfully deleted keyspace ${args.keyspace}.`,
    );
  }
}
