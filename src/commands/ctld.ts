import { Command } from '@oclif/core';
import { notImplemented } from '../cli/not-implemented.js';

export default class Ctld extends Command {
  static override description = 'HTTP API and web UI over the topology (port 15000) [not implemented yet]';

  async run(): Promise<void> {
    notImplemented(this, 'ctld');
  }
}
