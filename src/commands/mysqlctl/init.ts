import { Command, Flags } from '@oclif/core';
import { Mysqld } from '../../core/mysqlctl/index.js';
import {
  commandEnv,
  dbConfigFlags,
  dbConfigsFromFlags,
  instanceFlags,
  parseWaitTime,
  runVerb,
} from '../../cli/mysqlctl-flags.js';

export default class Init extends Command {
  static override description =
    'Create a tablet mysqld: copy an initialised datadir, write my.cnf, start it, create the vt_* users and the _vt database';

  static override examples = ['VTDATAROOT=/vt <%= config.bin %> mysqlctl init --tablet-uid 100'];

  static override flags = {
    ...instanceFlags,
    durable: Flags.boolean({ description: 'fsync on every commit (innodb_flush_log_at_trx_commit=1, sync_binlog=1)' }),
    'extra-my-cnf': Flags.string({ description: 'File appended to the generated my.cnf', env: 'EXTRA_MY_CNF' }),
    ...dbConfigFlags,
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Init);
    await runVerb(this, async () => {
      const timeoutMs = parseWaitTime(flags['wait-time']);
      const m = new Mysqld({
        uid: flags['tablet-uid'],
        env: commandEnv(flags),
        port: flags['mysql-port'],
        socket: flags['db-socket'],
        durable: flags.durable,
        extraMyCnf: flags['extra-my-cnf'],
        dbConfigs: dbConfigsFromFlags(flags),
      });
      const r = await m.init({ timeoutMs });
      this.log(
        `initialised tablet ${m.uid} in ${(r.ms / 1000).toFixed(2)} s${r.templateBuilt ? ' (built the datadir template first)' : ''}: ` +
          `mysqld pid ${r.pid} on 127.0.0.1:${m.port}`,
      );
      this.log(`  dir:       ${m.paths.dir}`);
      this.log(`  my.cnf:    ${m.paths.cnf}`);
      this.log(`  socket:    ${m.paths.socket}`);
      this.log(`  error log: ${m.paths.errorLog}`);
    });
  }
}
