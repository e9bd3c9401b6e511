import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { nativePasswordHash, verifyNativeScramble } from '../protocol/auth-scramble.js';
import { Cap, MAX_PACKET_PAYLOAD } from '../protocol/constants.js';
import { comQuery } from './client-conn.js';
import {
  authSwitchResponse,
  clientCapabilities,
  handshakeResponse,
  parseGreeting,
  UTF8MB4_GENERAL_CI,
} from './client-handshake.js';

const nonce = Buffer.from('abcdefghijklmnopqrst');

function thrown(f: () => unknown): VtError {
  try {
    f();
  } catch (err) {
    expect(err).toBeInstanceOf(VtError);
    return err as VtError;
  }
  throw new Error('expected a throw');
}

describe('client handshake packets', () => {
  it('answers an AuthSwitchRequest to mysql_native_password with the scramble of the new nonce', () => {
    const req = Buffer.concat([Buffer.from([0xfe]), Buffer.from('mysql_native_password\0'), nonce, Buffer.from([0])]);
    const resp = authSwitchResponse(req, 'pässword');
    expect(resp).toHaveLength(20);
    expect(verifyNativeScramble(nativePasswordHash('pässword'), nonce, resp)).toBe(true);
    expect(verifyNativeScramble(nativePasswordHash('other'), nonce, resp)).toBe(false);
    expect(authSwitchResponse(req, '')).toHaveLength(0);
  });

  it('refuses to switch to any other plugin, naming it (CR_AUTH_PLUGIN_CANNOT_LOAD)', () => {
    const req = Buffer.concat([Buffer.from([0xfe]), Buffer.from('caching_sha2_password\0'), nonce, Buffer.from([0])]);
    const e = thrown(() => authSwitchResponse(req, 'x'));
    expect([e.code, e.errno, e.sqlState]).toEqual(['UNAVAILABLE', 2059, 'HY000']);
    expect(e.message).toContain("'caching_sha2_password'");
  });

  it('builds HandshakeResponse41: capabilities, utf8mb4, user, native scramble, database, plugin', () => {
    const g = {
      serverVersion: '10.11.0-MariaDB',
      threadId: 7,
      scramble: nonce,
      capabilities: 0xffffffff,
      authPlugin: 'mysql_native_password',
    };
    const caps = clientCapabilities(g.capabilities, 'db1', true);
    expect(caps & Cap.CONNECT_WITH_DB).toBeTruthy();
    expect(caps & Cap.DEPRECATE_EOF).toBeTruthy();
    expect(caps & (Cap.MULTI_STATEMENTS | Cap.LOCAL_FILES | Cap.SSL | Cap.COMPRESS)).toBe(0);
    expect(clientCapabilities(g.capabilities, undefined, false) & (Cap.CONNECT_WITH_DB | Cap.DEPRECATE_EOF)).toBe(0);
    const p = handshakeResponse(g, caps, { user: 'vt_app', password: 'pw', database: 'db1' });
    expect(p.readUInt32LE(0)).toBe(caps);
    expect(p[8]).toBe(UTF8MB4_GENERAL_CI);
    expect(p.subarray(9, 32).equals(Buffer.alloc(23))).toBe(true);
    expect(p.toString('latin1', 32, 39)).toBe('vt_app\0');
    expect(p[39]).toBe(20);
    expect(verifyNativeScramble(nativePasswordHash('pw'), nonce, p.subarray(40, 60))).toBe(true);
    expect(p.toString('latin1', 60)).toBe('db1\0mysql_native_password\0');
  });

  it('rejects a greeting that is not protocol 10 as malformed (UNAVAILABLE)', () => {
    expect(thrown(() => parseGreeting(Buffer.from([9, 0x35, 0]))).code).toBe('UNAVAILABLE');
    expect(thrown(() => parseGreeting(Buffer.from([10, 0x35]))).code).toBe('UNAVAILABLE');
  });
});

describe('comQuery', () => {
  it('frames a statement as one packet with sequence id 0', () => {
    const b = comQuery('select "é"');
    expect([...b.subarray(0, 5)]).toEqual([12, 0, 0, 0, 3]);
    expect(b.toString('utf8', 5)).toBe('select "é"');
  });

  it('splits a payload of 16 MiB - 1 or more into full packets plus a (possibly empty) last one', () => {
    const exact = comQuery('x'.repeat(MAX_PACKET_PAYLOAD - 1)); // payload = command byte + text = 0xffffff
    expect(exact.readUIntLE(0, 3)).toBe(MAX_PACKET_PAYLOAD);
    expect(exact[3]).toBe(0);
    expect(exact.length).toBe(4 + MAX_PACKET_PAYLOAD + 4);
    expect([...exact.subarray(4 + MAX_PACKET_PAYLOAD)]).toEqual([0, 0, 0, 1]);
    const long = comQuery('y'.repeat(MAX_PACKET_PAYLOAD + 9));
    expect(long.readUIntLE(0, 3)).toBe(MAX_PACKET_PAYLOAD);
    expect(long.readUIntLE(4 + MAX_PACKET_PAYLOAD, 3)).toBe(10);
    expect(long[4 + MAX_PACKET_PAYLOAD + 3]).toBe(1);
    expect(long.length).toBe(8 + MAX_PACKET_PAYLOAD + 10);
  });
});
