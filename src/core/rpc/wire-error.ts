import { VtError, type VtErrorJson } from '../errors/index.js';

/**
 * Error frame payloads. A VtError crosses unchanged (code, message, errno, sqlState, reason); anything else a
 * handler throws becomes UNKNOWN with its message (mysql2 errors keep their errno/SQLSTATE, see VtError.from).
 */
export function encodeWireError(err: unknown): Buffer {
  return Buffer.from(JSON.stringify(VtError.from(err).toJSON()), 'utf8');
}

/** Never throws: a malformed error payload becomes an INTERNAL error describing it. */
export function decodeWireError(payload: Buffer): VtError {
  try {
    const j = JSON.parse(payload.toString('utf8')) as Partial<VtErrorJson>;
    if (typeof j.code !== 'string' || typeof j.message !== 'string') throw new Error('missing code or message');
    return VtError.fromJSON(j as VtErrorJson);
  } catch (err) {
    return new VtError('INTERNAL', `rpc: malformed error frame: ${(err as Error).message}`);
  }
}
