import { Command } from '@oclif/core';
import { notImplemented } from '../cli/not-implemented.js';

export default class Tablet extends Command {
  static override description =
    'Tablet server in front of one mysqld: pools, limits, transactions, health, replication control [not implemented yet]';

  async run(): Promise<void> {
    notImplemented(this, 'tablet');
  }
}
