import { Command } from '@oclif/core';
import { notImplemented } from '../cli/not-implemented.js';

export default class Down extends Command {
  static override description = 'Stop a local cluster started by vt up [not implemented yet]';

  async run(): Promise<void> {
    notImplemented(this, 'down');
  }
}
