import type { AuthPluginName } from './constants.js';

/** One way a user may log in. A user may have several; any match wins. */
export interface UserCredential {
  /** Plaintext password: verifiable by every auth method. */
  readonly password?: string;
  /** SHA1(SHA1(password)) (20 bytes): only mysql_native_password logins can be verified against it. */
  readonly nativeHash?: Buffer;
  /** Accepts any password (the "none" auth server). */
  readonly anyPassword?: boolean;
  /** Opaque data handed to the handler with the authenticated user (Vitess's UserData). */
  readonly userData: string;
}

/**
 * Where logins are checked. The protocol runs the plugin exchanges (scrambles, auth switch, caching_sha2 full
 * auth) and asks the AuthServer only for a user's credentials. An empty list means access denied.
 */
export interface AuthServer {
  /** Plugin announced in the initial handshake and switched to when the client used another one. */
  readonly defaultPlugin: AuthPluginName;
  lookup(user: string, remoteAddress: string): Promise<readonly UserCredential[]> | readonly UserCredential[];
}

/**
 * Vitess's "none" auth: every user and password is accepted (userData = user name). Only safe when the caller
 * restricts the listener to loopback.
 */
export class AuthServerNone implements AuthServer {
  readonly defaultPlugin: AuthPluginName = 'mysql_native_password';

  lookup(user: string): readonly UserCredential[] {
    return [{ anyPassword: true, userData: user }];
  }
}
