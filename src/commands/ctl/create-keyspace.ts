import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { renderJson } from '../../cli/render.js';
import { createKeyspace } from '../../core/ctl/keyspace-actions.js';
import { DURABILITY_POLICIES } from '../../core/topo/records/keyspace.js';

export default class CreateKeyspace extends CtlCommand {
  static override hiddenAliases = ['ctl:CreateKeyspace'];
  static override description = "Create a keyspace (with an empty VSchema) and publish it in every cell's SrvVSchema.";
  static override examples = ['<%= config.bin %> ctl create-keyspace commerce --durability-policy semi_sync'];
  static override args = { keyspace: Args.string({ required: true, description: 'Keyspace name.' }) };
  static override flags = {
    'durability-policy': Flags.option({
      options: DURABILITY_POLICIES,
      default: 'none',
      description: 'Durability policy.',
    })(),
    'sidecar-db-name': Flags.string({ default: '_vt', description: 'Name of the sidecar database tablets use.' }),
    force: Flags.boolean({ default: false, description: 'Succeed if the keyspace already exists.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(CreateKeyspace);
    await this.runAction(
      flags,
      (ts) =>
        createKeyspace(ts, args.keyspace, {
          durabilityPolicy: flags['durability-policy'],
          sidecarDbName: flags['sidecar-db-name'],
          force: flags.force,
        }),
      (r) => `Successfully created keyspace ${r.name}. Result:\n${renderJson(r)}`,
    );
  }
}
