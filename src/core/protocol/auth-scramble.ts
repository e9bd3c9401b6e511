import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { SCRAMBLE_LENGTH } from './constants.js';

/**
 * The hash arithmetic of mysql_native_password and caching_sha2_password (both sides: the client half is used
 * by tests and tools). Passwords are UTF-8.
 */

function sha1(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha1');
  for (const p of parts) h.update(p);
  return h.digest();
}

function sha256(...parts: Uint8Array[]): Buffer {
  const h = createHash('sha256');
  for (const p of parts) h.update(p);
  return h.digest();
}

function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ b[i % b.length]!;
  return out;
}

/** A fresh 20-byte nonce of printable, non-NUL bytes (some clients treat it as a C string). */
export function newScramble(): Buffer {
  const b = randomBytes(SCRAMBLE_LENGTH);
  for (let i = 0; i < b.length; i++) b[i] = 33 + (b[i]! % 94);
  return b;
}

/** SHA1(SHA1(password)): what mysql.user stores for mysql_native_password (and "*HEX" in the static file). */
export function nativePasswordHash(password: string): Buffer {
  return sha1(sha1(Buffer.from(password, 'utf8')));
}

/** Client side: SHA1(password) XOR SHA1(scramble + SHA1(SHA1(password))); empty for an empty password. */
export function nativeScramble(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const h1 = sha1(Buffer.from(password, 'utf8'));
  return xor(h1, sha1(scramble, sha1(h1)));
}

/** Server side: does `response` prove knowledge of the password whose double SHA1 is `hash`? */
export function verifyNativeScramble(hash: Buffer, scramble: Buffer, response: Buffer): boolean {
  if (response.length !== 20 || hash.length !== 20) return false;
  const candidate = xor(response, sha1(scramble, hash));
  return timingSafeEqual(sha1(candidate), hash);
}

/** SHA256(SHA256(password)): what caching_sha2_password keeps in its cache. */
export function sha2PasswordHash(password: string): Buffer {
  return sha256(sha256(Buffer.from(password, 'utf8')));
}

/** Client side: SHA256(password) XOR SHA256(SHA256(SHA256(password)) + scramble). */
export function sha2Scramble(password: string, scramble: Buffer): Buffer {
  if (password === '') return Buffer.alloc(0);
  const h1 = sha256(Buffer.from(password, 'utf8'));
  return xor(h1, sha256(sha256(h1), scramble));
}

/** Server side fast path: does `response` match the cached SHA256(SHA256(password))? */
export function verifySha2Scramble(hash: Buffer, scramble: Buffer, response: Buffer): boolean {
  if (response.length !== 32 || hash.length !== 32) return false;
  const candidate = xor(response, sha256(hash, scramble));
  return timingSafeEqual(sha256(candidate), hash);
}

/** Undoes the client's (password + NUL) XOR scramble applied before RSA encryption in full auth. */
export function unxorPassword(data: Buffer, scramble: Buffer): string {
  const plain = xor(data, scramble);
  const end = plain.indexOf(0);
  return plain.toString('utf8', 0, end < 0 ? plain.length : end);
}
