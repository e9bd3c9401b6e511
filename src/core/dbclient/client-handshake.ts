import { VtError } from '../errors/index.js';
import { AuthPlugin, Cap, SCRAMBLE_LENGTH } from '../protocol/constants.js';
import { nativeScramble } from '../protocol/auth-scramble.js';
import { PacketReader } from '../protocol/packet-reader.js';
import { CR_AUTH_PLUGIN_CANNOT_LOAD, malformed } from './client-errors.js';

/** What the server's Protocol::HandshakeV10 tells the client. */
export interface Greeting {
  readonly serverVersion: string;
  /** The connection id (what KILL takes). */
  readonly threadId: number;
  /** The 20-byte nonce for mysql_native_password. */
  readonly scramble: Buffer;
  readonly capabilities: number;
  /** The plugin the server proposes for the first auth round. */
  readonly authPlugin: string;
}

/** Who to log in as. */
export interface Credentials {
  readonly user: string;
  readonly password?: string;
  readonly database?: string;
}

/** utf8mb4_general_ci: what the session's character_set_client/connection/results become. */
export const UTF8MB4_GENERAL_CI = 45;

/**
 * Capabilities this client asks for when the server offers them. FOUND_ROWS only on request (`foundRows`): the
 * tablet keeps such connections for gate clients that asked for it, as Vitess's found-rows pool does. IGNORE_SPACE
 * (which mysql2 sent) is left off: it would show up in every session's sql_mode and make built-in function names
 * reserved words. LOCAL_FILES and MULTI_STATEMENTS are deliberately off: one statement per COM_QUERY and no file
 * reads requested by the server.
 */
const WANTED =
  Cap.LONG_PASSWORD |
  Cap.PROTOCOL_41 |
  Cap.TRANSACTIONS |
  Cap.SECURE_CONNECTION |
  Cap.MULTI_RESULTS |
  Cap.PS_MULTI_RESULTS |
  Cap.PLUGIN_AUTH |
  Cap.DEPRECATE_EOF;

/** Capabilities without which this client cannot talk to the server at all. */
const REQUIRED = Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION | Cap.PLUGIN_AUTH;

const MAX_PACKET_SIZE = 0x40000000;

/**
 * Parses Protocol::HandshakeV10. Throws a malformed-packet VtError (UNAVAILABLE) for anything else, including
 * servers too old to speak protocol 4.1 with plugin auth.
 */
export function parseGreeting(payload: Buffer): Greeting {
  try {
    const r = new PacketReader(payload);
    const version = r.u8();
    if (version !== 10) throw malformed(`unsupported handshake protocol version ${version}`);
    const serverVersion = r.nulString();
    const threadId = r.u32();
    const part1 = r.bytes(8);
    r.skip(1);
    let capabilities = r.u16();
    r.skip(1 + 2); // character set, status flags
    capabilities = (capabilities | (r.u16() << 16)) >>> 0;
    const authDataLen = r.u8();
    r.skip(10); // reserved (MariaDB keeps its extended capabilities in the last 4)
    if ((capabilities & REQUIRED) !== REQUIRED)
      throw malformed('server lacks PROTOCOL_41/SECURE_CONNECTION/PLUGIN_AUTH');
    // Part 2 is max(13, len - 8) bytes; its last byte is a NUL terminator, not nonce.
    const part2 = r.bytes(Math.max(13, authDataLen - 8));
    const scramble = Buffer.concat([part1, part2.subarray(0, SCRAMBLE_LENGTH - 8)]);
    const rest = r.rest();
    const nul = rest.indexOf(0);
    const authPlugin = rest.toString('latin1', 0, nul < 0 ? rest.length : nul);
    return { serverVersion, threadId, scramble, capabilities, authPlugin };
  } catch (err) {
    throw err instanceof VtError && err.code === 'UNAVAILABLE' ? err : malformed(`handshake: ${String(err)}`);
  }
}

/**
 * The capabilities both sides support; CONNECT_WITH_DB only when a database is named, FOUND_ROWS (affected rows
 * of an UPDATE are the rows matched, not the rows changed) only when asked for.
 */
export function clientCapabilities(
  server: number,
  database: string | undefined,
  deprecateEof: boolean,
  foundRows = false,
): number {
  let caps = WANTED;
  if (foundRows) caps |= Cap.FOUND_ROWS;
  if (database) caps |= Cap.CONNECT_WITH_DB;
  if (!deprecateEof) caps &= ~Cap.DEPRECATE_EOF;
  return (caps & server) >>> 0;
}

/**
 * Protocol::HandshakeResponse41 with a mysql_native_password response to the greeting's nonce. If the account
 * uses another plugin the server answers with an AuthSwitchRequest (see authSwitchResponse).
 */
export function handshakeResponse(g: Greeting, caps: number, c: Credentials): Buffer {
  const user = Buffer.from(c.user, 'utf8');
  const auth = nativeScramble(c.password ?? '', g.scramble);
  const db = caps & Cap.CONNECT_WITH_DB && c.database ? Buffer.from(c.database, 'utf8') : undefined;
  const plugin = Buffer.from(AuthPlugin.NATIVE, 'latin1');
  const out = Buffer.alloc(32 + user.length + 1 + 1 + auth.length + (db ? db.length + 1 : 0) + plugin.length + 1);
  out.writeUInt32LE(caps, 0);
  out.writeUInt32LE(MAX_PACKET_SIZE, 4);
  out[8] = UTF8MB4_GENERAL_CI;
  // 23 bytes of filler (already zero), then the NUL-terminated user name.
  let pos = 32;
  pos += user.copy(out, pos) + 1;
  out[pos++] = auth.length;
  pos += auth.copy(out, pos);
  if (db) pos += db.copy(out, pos) + 1;
  plugin.copy(out, pos);
  return out;
}

/**
 * The reply to an AuthSwitchRequest (0xfe, plugin name, plugin data): the native scramble of the new nonce.
 * Any plugin but mysql_native_password fails with CR_AUTH_PLUGIN_CANNOT_LOAD, naming the plugin.
 */
export function authSwitchResponse(payload: Buffer, password: string): Buffer {
  const nul = payload.indexOf(0, 1);
  const plugin = payload.toString('latin1', 1, nul < 0 ? payload.length : nul);
  if (plugin !== AuthPlugin.NATIVE) throw unsupportedPlugin(plugin);
  if (nul < 0 || payload.length - (nul + 1) < SCRAMBLE_LENGTH) throw malformed('auth switch request without a nonce');
  return nativeScramble(password, payload.subarray(nul + 1, nul + 1 + SCRAMBLE_LENGTH));
}

export function unsupportedPlugin(plugin: string): VtError {
  return new VtError(
    'UNAVAILABLE',
    `Authentication plugin '${plugin}' cannot be loaded: vt's mysqld client supports only ${AuthPlugin.NATIVE}`,
    { errno: CR_AUTH_PLUGIN_CANNOT_LOAD, sqlState: 'HY000' },
  );
}
