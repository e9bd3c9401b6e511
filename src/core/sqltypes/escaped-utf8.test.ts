import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { decodeEscapedUtf8, encodeEscapedUtf8, hasEscapedBytes } from './escaped-utf8.js';

describe('surrogate-escaped UTF-8', () => {
  it.each([
    ['ascii', Buffer.from("select 'abc'")],
    ['utf8', Buffer.from("select 'naïve 😀'")],
    ['invalid bytes', Buffer.from([0x27, 0x00, 0x01, 0xff, 0x27])],
    ['truncated sequence', Buffer.from([0x61, 0xe2, 0x82])],
    ['encoded surrogate', Buffer.from([0xed, 0xb2, 0x80])],
    ['overlong', Buffer.from([0xc0, 0xaf, 0xe0, 0x80, 0xaf])],
    ['mixed', Buffer.concat([Buffer.from('é'), Buffer.from([0xfe]), Buffer.from('😀'), Buffer.from([0x80])])],
  ])('%s round-trips byte for byte', (_name, b) => {
    const s = decodeEscapedUtf8(b);
    expect(encodeEscapedUtf8(s).equals(b)).toBe(true);
    expect(hasEscapedBytes(s)).toBe(b.toString('utf8') !== s);
  });

  it('valid UTF-8 decodes exactly as Buffer.toString', () => {
    const b = Buffer.from('insert into t values (1, "x😀é")');
    expect(decodeEscapedUtf8(b)).toBe(b.toString('utf8'));
    expect(hasEscapedBytes(decodeEscapedUtf8(b))).toBe(false);
  });

  it('any random bytes round-trip (and a start offset is honoured)', () => {
    for (let n = 0; n < 500; n++) {
      const b = randomBytes(1 + (n % 64));
      expect(encodeEscapedUtf8(decodeEscapedUtf8(b)).equals(b)).toBe(true);
      const framed = Buffer.concat([Buffer.of(3), b]);
      expect(encodeEscapedUtf8(decodeEscapedUtf8(framed, 1)).equals(b)).toBe(true);
    }
  });
});
