import { readFile } from 'node:fs/promises';
import { Err } from '../errors/index.js';
import type { AuthServer, UserCredential } from './auth-server.js';
import type { AuthPluginName } from './constants.js';

/**
 * Users from Vitess's static auth file (`--mysql-auth-server-static-file`):
 *
 *   {"user": [{"Password": "plain", "UserData": "x"}, {"MysqlNativePassword": "*<hex SHA1(SHA1(pw))>"}]}
 *
 * A user maps to an entry or a list of entries; any matching entry wins. MysqlNativePassword entries only
 * allow mysql_native_password logins (their hash cannot check a caching_sha2 scramble). Unknown keys
 * (SourceHost, Groups) are accepted and ignored. Parse errors are VtErrors naming the user and the problem.
 */
export class AuthServerStatic implements AuthServer {
  constructor(
    private readonly users: ReadonlyMap<string, readonly UserCredential[]>,
    readonly defaultPlugin: AuthPluginName = 'mysql_native_password',
  ) {}

  static async fromFile(path: string, defaultPlugin?: AuthPluginName): Promise<AuthServerStatic> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (e) {
      throw Err.invalidArgument(`cannot read static auth file ${path}: ${(e as Error).message}`);
    }
    return AuthServerStatic.fromJson(text, defaultPlugin);
  }

  static fromJson(text: string, defaultPlugin?: AuthPluginName): AuthServerStatic {
    let doc: unknown;
    try {
      doc = JSON.parse(text);
    } catch (e) {
      throw Err.invalidArgument(`static auth config is not valid JSON: ${(e as Error).message}`);
    }
    if (typeof doc !== 'object' || doc === null || Array.isArray(doc)) {
      throw Err.invalidArgument('static auth config must be a JSON object mapping user names to entries');
    }
    const users = new Map<string, UserCredential[]>();
    for (const [user, value] of Object.entries(doc)) {
      const entries = Array.isArray(value) ? value : [value];
      if (entries.length === 0) throw Err.invalidArgument(`static auth config: user '${user}' has no entries`);
      users.set(
        user,
        entries.map((e, i) => parseEntry(user, i, e)),
      );
    }
    return new AuthServerStatic(users, defaultPlugin);
  }

  lookup(user: string): readonly UserCredential[] {
    return this.users.get(user) ?? [];
  }
}

function parseEntry(user: string, i: number, e: unknown): UserCredential {
  const where = `static auth config: user '${user}' entry ${i}`;
  if (typeof e !== 'object' || e === null || Array.isArray(e)) throw Err.invalidArgument(`${where} must be an object`);
  const o = e as Record<string, unknown>;
  const userData = o['UserData'] ?? '';
  if (typeof userData !== 'string') throw Err.invalidArgument(`${where}: UserData must be a string`);
  const pw = o['Password'];
  const native = o['MysqlNativePassword'];
  if (pw !== undefined && typeof pw !== 'string') throw Err.invalidArgument(`${where}: Password must be a string`);
  if (native !== undefined) {
    if (typeof native !== 'string' || !/^\*[0-9a-fA-F]{40}$/.test(native)) {
      throw Err.invalidArgument(`${where}: MysqlNativePassword must be '*' followed by 40 hex digits`);
    }
  }
  if (pw === undefined && native === undefined) {
    throw Err.invalidArgument(`${where}: needs Password or MysqlNativePassword`);
  }
  if (pw !== undefined) return { password: pw, userData };
  return { nativeHash: Buffer.from((native as string).slice(1), 'hex'), userData };
}
