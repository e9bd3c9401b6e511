import { constants, generateKeyPair, privateDecrypt, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import { Err } from '../errors/index.js';
import {
  nativePasswordHash,
  sha2PasswordHash,
  unxorPassword,
  verifyNativeScramble,
  verifySha2Scramble,
} from './auth-scramble.js';
import type { AuthServer, UserCredential } from './auth-server.js';
import { AuthPlugin, type AuthPluginName } from './constants.js';

/** The packet exchange the auth plugins need, provided by the connection (sequence ids are its business). */
export interface AuthIO {
  /** TLS or a Unix socket: caching_sha2 full auth may then take the password in clear, as MySQL allows. */
  readonly secure: boolean;
  /** Sends one packet and returns the payload of the client's reply. */
  roundTrip(payload: Buffer): Promise<Buffer>;
  /** Queues one packet (e.g. fast-auth-success, which the OK follows). */
  send(payload: Buffer): void;
}

export interface RsaKeyPair {
  readonly publicPem: string;
  readonly privateKey: KeyObject;
}

/** Server-wide auth state shared by its connections. */
export interface AuthContext {
  readonly authServer: AuthServer;
  /**
   * caching_sha2_password's cache: user -> SHA256(SHA256(password)) of the last full authentication. As in
   * MySQL, the fast (scramble-only) path works for a user once a full authentication succeeded.
   */
  readonly sha2Cache: Map<string, Buffer>;
  /** The RSA key pair for full auth without TLS (generated once per server, on first use). */
  readonly rsaKey: () => Promise<RsaKeyPair>;
}

const generateKeyPairAsync = promisify(generateKeyPair);

/** A lazily generated 2048-bit RSA key pair, shared by every caller of the returned function. */
export function lazyRsaKey(): () => Promise<RsaKeyPair> {
  let p: Promise<RsaKeyPair> | undefined;
  return () =>
    (p ??= generateKeyPairAsync('rsa', { modulusLength: 2048 }).then(({ publicKey, privateKey }) => ({
      publicPem: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
      privateKey,
    })));
}

const FAST_AUTH_SUCCESS = Buffer.from([0x01, 0x03]);
const PERFORM_FULL_AUTH = Buffer.from([0x01, 0x04]);

/**
 * Authenticates `user` whose handshake response used `plugin` to compute `response` from `scramble`.
 * The plugin is the AuthServer's default (mysql_native_password for users that only have a native hash);
 * a client that used another one gets an AuthSwitchRequest. "Any password" users are accepted at once. Returns the matching credential; throws Err.accessDenied
 * (1045/28000) otherwise. The caller sends the final OK.
 */
export async function authenticate(
  io: AuthIO,
  ctx: AuthContext,
  scramble: Buffer,
  user: string,
  remoteAddress: string,
  plugin: string,
  response: Buffer,
): Promise<UserCredential> {
  const creds = await ctx.authServer.lookup(user, remoteAddress);
  if (creds.length === 0) throw Err.accessDenied(user, remoteAddress, response.length > 0);
  const any = creds.find((c) => c.anyPassword);
  if (any !== undefined) return any;
  // Like a MySQL account, every credential uses the server's plugin, except native-hash-only users.
  let use: AuthPluginName = ctx.authServer.defaultPlugin;
  if (use === AuthPlugin.CACHING_SHA2 && creds.every((c) => c.nativeHash !== undefined)) use = AuthPlugin.NATIVE;
  // A client without CLIENT_PLUGIN_AUTH cannot switch; its response is a native scramble.
  if (plugin === '') use = AuthPlugin.NATIVE;
  else if (plugin !== use) {
    const req = Buffer.concat([Buffer.from([0xfe]), Buffer.from(use + '\0'), scramble, Buffer.from([0])]);
    response = await io.roundTrip(req);
  }
  if (use === AuthPlugin.NATIVE) {
    const c = matchNative(creds, scramble, response);
    if (c === undefined) throw Err.accessDenied(user, remoteAddress, response.length > 0);
    return c;
  }
  return cachingSha2(io, ctx, scramble, user, remoteAddress, creds, response);
}

function matchNative(creds: readonly UserCredential[], scramble: Buffer, resp: Buffer): UserCredential | undefined {
  for (const c of creds) {
    if (c.anyPassword) return c;
    if (c.password !== undefined) {
      if (
        c.password === '' ? resp.length === 0 : verifyNativeScramble(nativePasswordHash(c.password), scramble, resp)
      ) {
        return c;
      }
    } else if (c.nativeHash !== undefined && verifyNativeScramble(c.nativeHash, scramble, resp)) {
      return c;
    }
  }
  return undefined;
}

async function cachingSha2(
  io: AuthIO,
  ctx: AuthContext,
  scramble: Buffer,
  user: string,
  remoteAddress: string,
  creds: readonly UserCredential[],
  response: Buffer,
): Promise<UserCredential> {
  const denied = (): never => {
    throw Err.accessDenied(user, remoteAddress, response.length > 0);
  };
  if (response.length === 0 || (response.length === 1 && response[0] === 0)) {
    return creds.find((c) => c.password === '') ?? denied();
  }
  const cached = ctx.sha2Cache.get(user);
  if (cached !== undefined && verifySha2Scramble(cached, scramble, response)) {
    const c = creds.find((c) => c.password !== undefined && sha2PasswordHash(c.password).equals(cached));
    if (c !== undefined) {
      io.send(FAST_AUTH_SUCCESS);
      return c;
    }
  }
  if (!creds.some((c) => c.password !== undefined)) return denied();
  let reply = await io.roundTrip(PERFORM_FULL_AUTH);
  let password: string;
  if (io.secure) {
    const end = reply.indexOf(0);
    password = reply.toString('utf8', 0, end < 0 ? reply.length : end);
  } else {
    const key = await ctx.rsaKey();
    if (reply.length === 1 && reply[0] === 0x02) {
      reply = await io.roundTrip(Buffer.concat([Buffer.from([0x01]), Buffer.from(key.publicPem)]));
    }
    let plain: Buffer;
    try {
      plain = privateDecrypt({ key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING }, reply);
    } catch {
      return denied();
    }
    password = unxorPassword(plain, scramble);
  }
  const c = creds.find((c) => c.password === password);
  if (c === undefined) return denied();
  ctx.sha2Cache.set(user, sha2PasswordHash(password));
  return c;
}
