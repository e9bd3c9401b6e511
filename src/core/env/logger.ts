import { pino, destination } from 'pino';

/**
 * The logger every core component receives through its Env. A subset of pino's interface so tests can pass
 * `silentLogger` and commands can pass a real pino instance writing to stderr.
 */
export interface Logger {
  debug(obj: object | string, msg?: string): void;
  info(obj: object | string, msg?: string): void;
  warn(obj: object | string, msg?: string): void;
  error(obj: object | string, msg?: string): void;
  child(bindings: Record<string, unknown>): Logger;
}

/** A pino logger writing JSON lines to stderr (fd 2) so stdout stays clean for command output. */
export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino({ level: opts.level ?? process.env['VT_LOG_LEVEL'] ?? 'info', name: opts.name }, destination(2));
}

const noop = (): void => {};

/** Discards everything; for tests and for commands run with --quiet. */
export const silentLogger: Logger = {
  debug: noop,
  info: noop,
  warn: noop,
  error: noop,
  child: () => silentLogger,
};
