import { Command } from '@oclif/core';
import { notImplemented } from '../cli/not-implemented.js';

export default class Top extends Command {
  static override description = 'Live terminal UI over topology and tablet health [not implemented yet]';

  async run(): Promise<void> {
    notImplemented(this, 'top');
  }
}
