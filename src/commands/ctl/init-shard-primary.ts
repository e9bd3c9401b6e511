import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { parseDuration } from '../../cli/duration.js';
import { initShardPrimary } from '../../core/ctl/init-shard-primary.js';

export default class InitShardPrimary extends CtlCommand {
  static override hiddenAliases = ['ctl:InitShardPrimary'];
  static override description =
    'Make a tablet the primary of a new shard and every other tablet of the shard its replica (then record it in the Shard and rebuild the serving graph).';
  static override examples = ['<%= config.bin %> ctl init-shard-primary commerce/0 zone1-100'];
  static override args = {
    shard: Args.string({ required: true, description: 'keyspace/shard, e.g. commerce/0.' }),
    alias: Args.string({ required: true, description: 'Tablet to elect, e.g. zone1-100.' }),
  };
  static override flags = {
    force: Flags.boolean({ default: false, description: 'Proceed even if the shard already has another primary.' }),
    'wait-replicas-timeout': Flags.string({ default: '30s', description: 'How long to wait for replicas to follow.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(InitShardPrimary);
    await this.runAction(
      flags,
      (ts) =>
        initShardPrimary(ts, args.shard, args.alias, {
          force: flags.force,
          waitReplicasTimeoutMs: parseDuration(flags['wait-replicas-timeout'], 'wait-replicas-timeout'),
        }),
      (r) =>
        `${r.primary} is the primary of ${r.keyspace}/${r.shard} (position ${r.position || 'empty'}, term start ${r.primaryTermStartTime}); replicas: ${r.replicas.join(', ') || 'none'}`,
    );
  }
}
