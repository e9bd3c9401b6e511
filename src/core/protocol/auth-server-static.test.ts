import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import {
  nativePasswordHash,
  nativeScramble,
  newScramble,
  sha2PasswordHash,
  sha2Scramble,
  unxorPassword,
  verifyNativeScramble,
  verifySha2Scramble,
} from './auth-scramble.js';
import { AuthServerStatic } from './auth-server-static.js';

describe('AuthServerStatic', () => {
  it('parses Vitess static auth JSON: lists, single objects, plaintext and native hashes', () => {
    const a = AuthServerStatic.fromJson(
      JSON.stringify({
        u: [
          { Password: 'p1', UserData: 'd1' },
          { MysqlNativePassword: '*2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19', UserData: 'd2' },
        ],
        single: { Password: '', SourceHost: 'localhost', Groups: ['g'] },
      }),
    );
    const u = a.lookup('u');
    expect(u).toHaveLength(2);
    expect(u[0]).toEqual({ password: 'p1', userData: 'd1' });
    expect(u[1]!.nativeHash!.equals(nativePasswordHash('password'))).toBe(true);
    expect(a.lookup('single')).toEqual([{ password: '', userData: '' }]);
    expect(a.lookup('nobody')).toEqual([]);
    expect(a.defaultPlugin).toBe('mysql_native_password');
    expect(AuthServerStatic.fromJson('{}', 'caching_sha2_password').defaultPlugin).toBe('caching_sha2_password');
  });

  it.each([
    ['not json', '{', /not valid JSON/],
    ['array', '[]', /must be a JSON object/],
    ['no entries', '{"u": []}', /user 'u' has no entries/],
    ['entry not object', '{"u": [1]}', /user 'u' entry 0 must be an object/],
    ['no password', '{"u": [{"UserData": "x"}]}', /needs Password or MysqlNativePassword/],
    ['bad hash', '{"u": [{"MysqlNativePassword": "abc"}]}', /'\*' followed by 40 hex digits/],
    ['password type', '{"u": [{"Password": 5}]}', /Password must be a string/],
    ['userdata type', '{"u": [{"Password": "x", "UserData": 1}]}', /UserData must be a string/],
  ])('names the problem: %s', (_n, text, msg) => {
    expect(() => AuthServerStatic.fromJson(text)).toThrow(VtError);
    expect(() => AuthServerStatic.fromJson(text)).toThrow(msg);
  });

  it('reads a file, and reports a missing one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'vt-auth-'));
    try {
      const path = join(dir, 'users.json');
      writeFileSync(path, '{"a": [{"Password": "b"}]}');
      expect((await AuthServerStatic.fromFile(path)).lookup('a')).toHaveLength(1);
      await expect(AuthServerStatic.fromFile(join(dir, 'missing.json'))).rejects.toThrow(
        /cannot read static auth file/,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('scrambles', () => {
  it('mysql_native_password: the well-known hash of "password", client/server agree, wrong password fails', () => {
    expect(nativePasswordHash('password').toString('hex').toUpperCase()).toBe(
      '2470C0C06DEE42FD1618BB99005ADCA2EC9D1E19',
    );
    const s = newScramble();
    expect(s).toHaveLength(20);
    expect(s.includes(0)).toBe(false);
    expect(verifyNativeScramble(nativePasswordHash('pw'), s, nativeScramble('pw', s))).toBe(true);
    expect(verifyNativeScramble(nativePasswordHash('pw'), s, nativeScramble('pW', s))).toBe(false);
    expect(verifyNativeScramble(nativePasswordHash('pw'), s, Buffer.alloc(3))).toBe(false);
    expect(nativeScramble('', s)).toHaveLength(0);
  });

  it('caching_sha2_password: scramble verifies against SHA256(SHA256(pw)); RSA payload un-XOR', () => {
    const s = newScramble();
    expect(verifySha2Scramble(sha2PasswordHash('secret'), s, sha2Scramble('secret', s))).toBe(true);
    expect(verifySha2Scramble(sha2PasswordHash('secret'), s, sha2Scramble('secreT', s))).toBe(false);
    const xored = Buffer.from('pässword\0');
    for (let i = 0; i < xored.length; i++) xored[i] ^= s[i % s.length]!;
    expect(unxorPassword(xored, s)).toBe('pässword');
  });
});
