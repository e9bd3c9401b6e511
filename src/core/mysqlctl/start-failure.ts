import { VtError } from '../errors/index.js';

/** Log lines that name a cause an operator can act on, and the one-line explanation we lead with. */
const KNOWN_CAUSES: readonly (readonly [RegExp, (port: number) => string])[] = [
  [/Address already in use|Bind on TCP\/IP port/i, (port) => `port ${port} is already in use`],
  [
    /Unable to lock .*ibdata1|Check that you do not already have another mariadbd process/i,
    () => 'its datadir is in use by another mysqld',
  ],
  [/unknown (variable|option)/i, () => 'my.cnf has an option mariadbd does not know'],
  [/No space left on device/i, () => 'the disk is full'],
];

/**
 * The error a failed start reports: UNAVAILABLE (reason 'MysqldStartFailed') with the cause recognised from the
 * log, what happened to the process, and the tail of error.log written by this attempt.
 */
export function startFailure(uid: number, port: number, what: string, logTail: readonly string[]): VtError {
  const text = logTail.join('\n');
  const cause = KNOWN_CAUSES.find(([re]) => re.test(text))?.[1](port);
  const head = `mysqld for tablet ${uid} failed to start${cause === undefined ? '' : `: ${cause}`} (${what})`;
  const body = logTail.length === 0 ? '\n(error.log is empty)' : `\nlast lines of error.log:\n${text}`;
  return new VtError('UNAVAILABLE', head + body, { reason: 'MysqldStartFailed' });
}
