import { Command } from '@oclif/core';
import { notImplemented } from '../cli/not-implemented.js';

export default class Worker extends Command {
  static override description = 'Long-running jobs: split diffs, VDiff, validations (port 15032) [not implemented yet]';

  async run(): Promise<void> {
    notImplemented(this, 'worker');
  }
}
