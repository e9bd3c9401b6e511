import { isUtf8 } from 'node:buffer';

/**
 * SQL text is bytes: a client may put any byte sequence inside a string literal (pymysql sends bytes values
 * raw inside '...'). JS strings cannot hold invalid UTF-8, so text that is not valid UTF-8 is decoded with
 * "surrogate escapes" (as Python's surrogateescape): each byte that is not part of a valid UTF-8 sequence
 * becomes the lone surrogate U+DC80..U+DCFF. Valid UTF-8 never decodes to those code points, so the mapping is
 * reversible: `encodeEscapedUtf8(decodeEscapedUtf8(b))` equals `b` for every byte string. Whoever turns such a
 * literal into a value (the normalizer) re-encodes it to the exact bytes.
 */
export function decodeEscapedUtf8(buf: Buffer, start = 0, end = buf.length): string {
  const fast = buf.toString('utf8', start, end);
  if (!fast.includes('\uFFFD') || isUtf8(buf.subarray(start, end))) return fast;
  let out = '';
  let runStart = start;
  let i = start;
  while (i < end) {
    const n = validSequenceLength(buf, i, end);
    if (n > 0) {
      i += n;
      continue;
    }
    out += buf.toString('utf8', runStart, i) + String.fromCharCode(0xdc00 | buf[i]!);
    i++;
    runStart = i;
  }
  return out + buf.toString('utf8', runStart, end);
}

/** True when `s` carries surrogate-escaped bytes (it came from text that was not valid UTF-8). */
export function hasEscapedBytes(s: string): boolean {
  return /[\uDC80-\uDCFF]/.test(s) && /(^|[^\uD800-\uDBFF])[\uDC80-\uDCFF]/.test(s);
}

/** The exact bytes a decodeEscapedUtf8 string came from: escapes back to raw bytes, the rest as UTF-8. */
export function encodeEscapedUtf8(s: string): Buffer {
  const parts: Buffer[] = [];
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const next = s.charCodeAt(i + 1);
      if (next >= 0xdc00 && next <= 0xdfff) i++; // a real surrogate pair: ordinary text
      continue;
    }
    if (c >= 0xdc80 && c <= 0xdcff) {
      parts.push(Buffer.from(s.slice(runStart, i), 'utf8'), Buffer.of(c & 0xff));
      runStart = i + 1;
    }
  }
  parts.push(Buffer.from(s.slice(runStart), 'utf8'));
  return Buffer.concat(parts);
}

/** Length of the valid UTF-8 sequence at `i` (1-4), or 0 when the byte there starts no valid sequence. */
function validSequenceLength(b: Buffer, i: number, end: number): number {
  const c = b[i]!;
  if (c < 0x80) return 1;
  const cont = (k: number): boolean => i + k < end && (b[i + k]! & 0xc0) === 0x80;
  if (c >= 0xc2 && c <= 0xdf) return cont(1) ? 2 : 0;
  if (c >= 0xe0 && c <= 0xef) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xe0 && c1 < 0xa0) return 0; // overlong
    if (c === 0xed && c1 > 0x9f) return 0; // UTF-16 surrogates are not valid UTF-8
    return cont(1) && cont(2) ? 3 : 0;
  }
  if (c >= 0xf0 && c <= 0xf4) {
    const c1 = b[i + 1] ?? 0;
    if (c === 0xf0 && c1 < 0x90) return 0;
    if (c === 0xf4 && c1 > 0x8f) return 0;
    return cont(1) && cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}
