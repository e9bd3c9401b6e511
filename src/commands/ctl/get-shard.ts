import { Args } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { getShard } from '../../core/ctl/shard-actions.js';

export default class GetShard extends CtlCommand {
  static override hiddenAliases = ['ctl:GetShard'];
  static override description = 'Print a shard record ({keyspace, name, shard}).';
  static override args = { shard: Args.string({ required: true, description: '<keyspace>/<shard>.' }) };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(GetShard);
    await this.runAction(flags, (ts) => getShard(ts, args.shard), renderJson);
  }
}
