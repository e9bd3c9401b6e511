import { Err } from '../core/errors/index.js';

const UNITS: Readonly<Record<string, number>> = {
  ns: 1e-6,
  us: 1e-3,
  µs: 1e-3,
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
};

/**
 * Parses a Vitess/Go-style duration into milliseconds: `500ms`, `1s`, `1.5s`, `2m`, `1h30m`, `0`; a bare
 * number is seconds (as Vitess's older integer-seconds flags). Throws INVALID_ARGUMENT naming `flag`.
 */
export function parseDuration(text: string, flag = 'duration'): number {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return Math.round(Number(t) * 1000);
  const re = /(\d+(?:\.\d+)?)(ns|us|µs|ms|s|m|h)/gy;
  let total = 0;
  let end = 0;
  for (let m = re.exec(t); m !== null; m = re.exec(t)) {
    total += Number(m[1]) * UNITS[m[2]!]!;
    end = re.lastIndex;
  }
  if (t === '' || end !== t.length) {
    throw Err.invalidArgument(`invalid --${flag} ${JSON.stringify(text)}: use a duration such as 500ms, 1s, 30s or 2m`);
  }
  return Math.round(total);
}
