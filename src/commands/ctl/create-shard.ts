import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { createShard } from '../../core/ctl/shard-actions.js';

export default class CreateShard extends CtlCommand {
  static override hiddenAliases = ['ctl:CreateShard'];
  static override description = 'Create a shard; refuses a key range that overlaps an existing shard.';
  static override examples = ['<%= config.bin %> ctl create-shard customer/-80'];
  static override args = {
    shard: Args.string({ required: true, description: '<keyspace>/<shard>, e.g. customer/-80 or commerce/0.' }),
  };

  static override flags = {
    force: Flags.boolean({ default: false, description: 'Succeed if the shard already exists.' }),
    'include-parent': Flags.boolean({ default: false, description: 'Create the keyspace too if it does not exist.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(CreateShard);
    await this.runAction(
      flags,
      (ts) => createShard(ts, args.shard, { force: flags.force, includeParent: flags['include-parent'] }),
      (r) => `Successfully created shard ${r.keyspace}/${r.name}. Result:\n${renderJson(r)}`,
    );
  }
}
