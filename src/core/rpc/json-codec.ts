import type { Codec } from './codec.js';
import { VtError } from '../errors/index.js';

const TAG = '$vt';

/**
 * JSON with tagged values for what JSON cannot carry: `{"$vt":"n","v":"123"}` for bigint, `{"$vt":"b","v":
 * base64}` for Buffer/Uint8Array, `{"$vt":"u"}` for undefined (top level or array element; undefined object
 * properties are dropped, as JSON does). Kept as the debuggable fallback and the baseline for BinaryCodec;
 * an object that itself has a "$vt" string property would be misread, which vt's own records never have.
 */
export class JsonCodec implements Codec {
  readonly id = 2;
  readonly name = 'json';

  encode(value: unknown): Buffer {
    try {
      return Buffer.from(JSON.stringify(value, replacer) ?? '{"$vt":"u"}', 'utf8');
    } catch (err) {
      throw new VtError('INVALID_ARGUMENT', `json codec: cannot encode value: ${(err as Error).message}`);
    }
  }

  decode(buf: Buffer): unknown {
    try {
      return JSON.parse(buf.toString('utf8'), reviver);
    } catch (err) {
      throw new VtError('INVALID_ARGUMENT', `json codec: malformed payload: ${(err as Error).message}`);
    }
  }
}

function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  // `this[key]` is the value before Buffer.prototype.toJSON ran.
  const raw = this[key];
  if (typeof raw === 'bigint') return { [TAG]: 'n', v: raw.toString() };
  if (raw instanceof Uint8Array)
    return { [TAG]: 'b', v: Buffer.from(raw.buffer, raw.byteOffset, raw.length).toString('base64') };
  if (raw === undefined && (key === '' || Array.isArray(this))) return { [TAG]: 'u' };
  return value;
}

function reviver(_key: string, value: unknown): unknown {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return value;
  const tag = (value as Record<string, unknown>)[TAG];
  if (typeof tag !== 'string') return value;
  const v = (value as Record<string, unknown>)['v'];
  switch (tag) {
    case 'n':
      return BigInt(v as string);
    case 'b':
      return Buffer.from(v as string, 'base64');
    case 'u':
      return undefined;
    default:
      return value;
  }
}
