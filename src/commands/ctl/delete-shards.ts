import { Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { deleteShards } from '../../core/ctl/shard-actions.js';

export default class DeleteShards extends CtlCommand {
  static override hiddenAliases = ['ctl:DeleteShards'];
  static override description =
    'Delete shards (<keyspace>/<shard> ...); refuses shards with tablets unless --recursive, and shards still in a serving graph unless --even-if-serving.';
  static override strict = false;
  static override flags = {
    recursive: Flags.boolean({ default: false, description: "Also delete the shards' tablets." }),
    'even-if-serving': Flags.boolean({
      default: false,
      description: 'Delete even if a SrvKeyspace still routes to it.',
    }),
  };

  async run(): Promise<void> {
    const { argv, flags } = await this.parse(DeleteShards);
    const shards = argv as string[];
    await this.runAction(
      flags,
      async (ts) => {
        await deleteShards(ts, shards, { recursive: flags.recursive, evenIfServing: flags['even-if-serving'] });
        return { deleted: shards };
      },
      () => `Successfully deleted shards ${shards.join(', ')}.`,
    );
  }
}
