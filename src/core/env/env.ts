import type { Logger } from './logger.js';
import { silentLogger } from './logger.js';

/**
 * What every core component is constructed with: no module-level state, no DI container. Commands build one
 * Env per process; tests build their own.
 */
export interface Env {
  readonly logger: Logger;
  /** Data root of the local cluster (VTDATAROOT), default ./vtdataroot. */
  readonly dataRoot: string;
}

export function testEnv(overrides: Partial<Env> = {}): Env {
  return { logger: silentLogger, dataRoot: overrides.dataRoot ?? './vtdataroot', ...overrides };
}

/** VTDATAROOT, defaulting to ./vtdataroot relative to the working directory, as Vitess's local examples do. */
export function defaultDataRoot(): string {
  return process.env['VTDATAROOT'] || './vtdataroot';
}
