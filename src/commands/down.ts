import path from 'node:path';
import { Command, Flags } from '@oclif/core';
import { downCluster } from '../core/cluster/cluster-down.js';
import { defaultDataRoot } from '../core/env/env.js';
import { createLogger } from '../core/env/logger.js';
import { VtError } from '../core/errors/index.js';

export default class Down extends Command {
  static override description =
    'Stop a local cluster started by vt up: the gate, the tablets (SIGTERM, drain), the mysqlds (clean shutdown), a managed etcd. With --clean, delete the data root.';

  static override examples = ['<%= config.bin %> down', '<%= config.bin %> down --root /tmp/vt2 --clean'];

  static override flags = {
    root: Flags.string({ env: 'VTDATAROOT', description: 'Data root of the cluster (default ./vtdataroot).' }),
    clean: Flags.boolean({
      default: false,
      description: 'Delete the data root (mysqld data, topology, logs) afterwards.',
    }),
  };

  async run(): Promise<void> {
    const { flags } = await this.parse(Down);
    const root = path.resolve(flags.root ?? defaultDataRoot());
    try {
      const env = {
        logger: createLogger({ level: process.env['VT_LOG_LEVEL'] ?? 'warn', name: 'vt-down' }),
        dataRoot: root,
      };
      const r = await downCluster(root, env, { clean: flags.clean });
      if (!r.found) {
        this.log(`${root} does not exist: nothing to stop`);
        return;
      }
      const stopped = r.stopped.filter((s) => s.wasRunning);
      for (const s of stopped) this.log(`stopped ${s.name}${s.killed ? ' (killed after the grace period)' : ''}`);
      if (stopped.length === 0) this.log('nothing was running');
      if (r.removed) this.log(`removed ${root}`);
    } catch (e) {
      const err = VtError.from(e);
      if (process.env['VT_DEBUG']) process.stderr.write(`${(e as Error)?.stack ?? String(e)}\n`);
      process.stderr.write(`Error: vt down: ${err.message || err.code}\n`);
      this.exit(1);
    }
  }
}
