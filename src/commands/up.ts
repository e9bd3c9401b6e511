import { Command } from '@oclif/core';
import { notImplemented } from '../cli/not-implemented.js';

export default class Up extends Command {
  static override description =
    'Start a whole local cluster in the background (topology, mysqlds, tablets, gate) [not implemented yet]';

  async run(): Promise<void> {
    notImplemented(this, 'up');
  }
}
