import { Command } from '@oclif/core';
import { notImplemented } from '../cli/not-implemented.js';

export default class Gate extends Command {
  static override description =
    'MySQL-protocol proxy: parse, plan, route and merge queries (port 15306) [not implemented yet]';

  async run(): Promise<void> {
    notImplemented(this, 'gate');
  }
}
