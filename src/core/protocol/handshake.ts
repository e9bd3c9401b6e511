import { Err, ErrNo, VtError } from '../errors/index.js';
import { Cap } from './constants.js';
import { PacketReader } from './packet-reader.js';
import type { PacketWriter } from './packet-writer.js';

export interface HandshakeV10 {
  readonly serverVersion: string;
  readonly connectionId: number;
  /** 20-byte nonce. */
  readonly scramble: Buffer;
  readonly capabilities: number;
  readonly charset: number;
  readonly status: number;
  readonly authPlugin: string;
}

/** Protocol::HandshakeV10, the server's first packet. */
export function writeHandshakeV10(w: PacketWriter, h: HandshakeV10): void {
  w.begin()
    .u8(10)
    .nulString(h.serverVersion)
    .u32(h.connectionId >>> 0)
    .bytes(h.scramble.subarray(0, 8))
    .u8(0)
    .u16(h.capabilities & 0xffff)
    .u8(h.charset)
    .u16(h.status)
    .u16((h.capabilities >>> 16) & 0xffff)
    .u8(h.scramble.length + 1)
    .zeros(10)
    .bytes(h.scramble.subarray(8))
    .u8(0)
    .nulString(h.authPlugin)
    .end();
}

/** Protocol::HandshakeResponse41 (or the SSLRequest prefix of it, when `sslRequest`). */
export interface HandshakeResponse {
  readonly capabilities: number;
  readonly maxPacketSize: number;
  readonly charset: number;
  /** True when the packet is only an SSLRequest: the client waits for the TLS handshake next. */
  readonly sslRequest: boolean;
  readonly user: string;
  readonly authResponse: Buffer;
  readonly database: string;
  /** Plugin the client used to compute authResponse ('' when the client does not do PLUGIN_AUTH). */
  readonly authPlugin: string;
  readonly attrs: ReadonlyMap<string, string>;
}

/**
 * Decodes a HandshakeResponse41. Fields are read according to the client's flags intersected with the
 * server's (a flag the server did not offer is ignored). A client without PROTOCOL_41 is refused: ERR 1043.
 * Truncated fields throw Err.malformedPacket.
 */
export function parseHandshakeResponse(payload: Buffer, serverCaps: number): HandshakeResponse {
  const r = new PacketReader(payload);
  const clientCaps = r.u32();
  if ((clientCaps & Cap.PROTOCOL_41) === 0) {
    throw new VtError('INVALID_ARGUMENT', 'Bad handshake', { errno: ErrNo.ER_HANDSHAKE, sqlState: '08S01' });
  }
  const caps = clientCaps & serverCaps;
  const maxPacketSize = r.u32();
  const charset = r.u8();
  r.skip(23);
  const base = { capabilities: caps, maxPacketSize, charset };
  if (r.remaining === 0) {
    if ((clientCaps & Cap.SSL) === 0) throw Err.malformedPacket('handshake response without user name');
    return {
      ...base,
      sslRequest: true,
      user: '',
      authResponse: Buffer.alloc(0),
      database: '',
      authPlugin: '',
      attrs: new Map(),
    };
  }
  const user = r.nulString();
  let authResponse: Buffer;
  if (caps & Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA) authResponse = r.lenencBytes();
  else if (caps & Cap.SECURE_CONNECTION) authResponse = r.bytes(r.u8());
  else authResponse = r.nulBytes();
  let database = '';
  if (caps & Cap.CONNECT_WITH_DB && r.remaining > 0) database = r.nulString();
  let authPlugin = '';
  if (caps & Cap.PLUGIN_AUTH && r.remaining > 0) authPlugin = r.nulString();
  const attrs = new Map<string, string>();
  if (caps & Cap.CONNECT_ATTRS && r.remaining > 0) {
    const len = r.lenencInt();
    const a = new PacketReader(r.bytes(len));
    while (a.remaining > 0) {
      const k = a.lenencString();
      attrs.set(k, a.lenencString());
    }
  }
  return { ...base, sslRequest: false, user, authResponse, database, authPlugin, attrs };
}
