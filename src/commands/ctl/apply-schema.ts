import { Args, Flags } from '@oclif/core';
import { CtlCommand } from '../../cli/ctl-command.js';
import { applySchema } from '../../core/ctl/tablet-rpc-actions.js';

export default class ApplySchema extends CtlCommand {
  static override hiddenAliases = ['ctl:ApplySchema'];
  static override description =
    'Apply schema changes (DDL, one or more statements) on the primary of every shard of a keyspace; replicas get them by replication.';
  static override examples = [
    `<%= config.bin %> ctl apply-schema commerce --sql "create table t (id bigint primary key)"`,
  ];
  static override args = { keyspace: Args.string({ required: true, description: 'Keyspace.' }) };
  static override flags = {
    sql: Flags.string({ description: 'The statements, separated by ";".' }),
    'sql-file': Flags.string({ description: 'File holding the statements.' }),
  };

  async run(): Promise<void> {
    const { args, flags } = await this.parse(ApplySchema);
    const sql = await this.inlineOrFile(flags.sql, flags['sql-file'], ['sql', 'sql-file']);
    await this.runAction(
      flags,
      (ts) => applySchema(ts, args.keyspace, sql),
      (results) =>
        results
          .map(
            (r) =>
              `${args.keyspace}/${r.shard} (${r.primary}): ok${r.changedTables.length ? `, changed: ${r.changedTables.join(', ')}` : ''}`,
          )
          .join('\n'),
    );
  }
}
