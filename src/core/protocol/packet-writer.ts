import { MAX_PACKET_PAYLOAD } from './constants.js';

const INITIAL_CAPACITY = 16 * 1024;

/**
 * Builds outgoing packets, header included, into one growing buffer that a connection reuses for its whole
 * life: a whole result (or a large batch of it) becomes one buffer and one socket write.
 *
 * Usage: `begin()`, field writes, `end()`; repeat; then `take()` the bytes. `seq` is the sequence id of the
 * next packet; `end()` advances it (by more than one when a payload of >= 16 MiB - 1 is split).
 */
export class PacketWriter {
  private buf: Buffer;
  private len = 0;
  private start = -1;
  seq = 0;

  constructor(initialCapacity = INITIAL_CAPACITY) {
    this.buf = Buffer.allocUnsafe(initialCapacity);
  }

  /** Bytes buffered (complete packets plus any packet in progress). */
  get length(): number {
    return this.len;
  }

  private ensure(n: number): void {
    const need = this.len + n;
    if (need <= this.buf.length) return;
    let cap = this.buf.length * 2;
    while (cap < need) cap *= 2;
    const nb = Buffer.allocUnsafe(cap);
    this.buf.copy(nb, 0, 0, this.len);
    this.buf = nb;
  }

  begin(): this {
    this.ensure(4);
    this.start = this.len;
    this.len += 4;
    return this;
  }

  /**
   * Closes the packet opened by `begin()`: writes its header, splitting payloads of 16 MiB - 1 bytes or more
   * into several physical packets (a payload that is an exact multiple gets a trailing empty packet).
   */
  end(): void {
    const start = this.start;
    const size = this.len - start - 4;
    this.start = -1;
    if (size < MAX_PACKET_PAYLOAD) {
      this.buf.writeUIntLE(size, start, 3);
      this.buf[start + 3] = this.seq;
      this.seq = (this.seq + 1) & 0xff;
      return;
    }
    const payload = Buffer.from(this.buf.subarray(start + 4, this.len));
    const chunks = Math.floor(size / MAX_PACKET_PAYLOAD) + 1;
    this.len = start;
    this.ensure(size + 4 * chunks);
    for (let i = 0; i < chunks; i++) {
      const from = i * MAX_PACKET_PAYLOAD;
      const n = Math.min(MAX_PACKET_PAYLOAD, size - from);
      this.buf.writeUIntLE(n, this.len, 3);
      this.buf[this.len + 3] = this.seq;
      this.seq = (this.seq + 1) & 0xff;
      payload.copy(this.buf, this.len + 4, from, from + n);
      this.len += 4 + n;
    }
  }

  /** Drops a packet begun but not ended (an encoder threw half-way); complete packets stay. */
  abortPacket(): void {
    if (this.start >= 0) this.len = this.start;
    this.start = -1;
  }

  /** Drops everything buffered (e.g. a half-written result replaced by an ERR). */
  reset(): void {
    this.len = 0;
    this.start = -1;
  }

  /**
   * Returns the buffered bytes and empties the writer. Small outputs are copied (from Node's buffer pool) so the
   * big buffer stays reusable; large ones are handed over and the writer starts a new buffer.
   */
  take(): Buffer {
    const n = this.len;
    this.len = 0;
    if (n <= 64 * 1024) {
      const out = Buffer.allocUnsafe(n);
      this.buf.copy(out, 0, 0, n);
      return out;
    }
    const out = this.buf.subarray(0, n);
    this.buf = Buffer.allocUnsafe(Math.max(INITIAL_CAPACITY, Math.min(this.buf.length, 4 * 1024 * 1024)));
    return out;
  }

  u8(v: number): this {
    this.ensure(1);
    this.buf[this.len++] = v;
    return this;
  }

  u16(v: number): this {
    this.ensure(2);
    this.buf.writeUInt16LE(v, this.len);
    this.len += 2;
    return this;
  }

  u24(v: number): this {
    this.ensure(3);
    this.buf.writeUIntLE(v, this.len, 3);
    this.len += 3;
    return this;
  }

  u32(v: number): this {
    this.ensure(4);
    this.buf.writeUInt32LE(v, this.len);
    this.len += 4;
    return this;
  }

  i8(v: number): this {
    this.ensure(1);
    this.buf.writeInt8(v, this.len);
    this.len += 1;
    return this;
  }

  i16(v: number): this {
    this.ensure(2);
    this.buf.writeInt16LE(v, this.len);
    this.len += 2;
    return this;
  }

  i32(v: number): this {
    this.ensure(4);
    this.buf.writeInt32LE(v, this.len);
    this.len += 4;
    return this;
  }

  u64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigUInt64LE(v, this.len);
    this.len += 8;
    return this;
  }

  i64(v: bigint): this {
    this.ensure(8);
    this.buf.writeBigInt64LE(v, this.len);
    this.len += 8;
    return this;
  }

  f32(v: number): this {
    this.ensure(4);
    this.buf.writeFloatLE(v, this.len);
    this.len += 4;
    return this;
  }

  f64(v: number): this {
    this.ensure(8);
    this.buf.writeDoubleLE(v, this.len);
    this.len += 8;
    return this;
  }

  zeros(n: number): this {
    this.ensure(n);
    this.buf.fill(0, this.len, this.len + n);
    this.len += n;
    return this;
  }

  /** Length-encoded integer; bigints up to 2^64-1 (e.g. LAST_INSERT_ID of an unsigned BIGINT). */
  lenencInt(v: number | bigint): this {
    if (typeof v === 'bigint') {
      if (v <= 0xffffffn) return this.lenencInt(Number(v));
      this.ensure(9);
      this.buf[this.len] = 0xfe;
      this.buf.writeBigUInt64LE(BigInt.asUintN(64, v), this.len + 1);
      this.len += 9;
      return this;
    }
    if (v < 0xfb) return this.u8(v);
    if (v <= 0xffff) return this.u8(0xfc).u16(v);
    if (v <= 0xffffff) return this.u8(0xfd).u24(v);
    this.ensure(9);
    this.buf[this.len] = 0xfe;
    this.buf.writeBigUInt64LE(BigInt(v), this.len + 1);
    this.len += 9;
    return this;
  }

  bytes(b: Uint8Array): this {
    this.ensure(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
    return this;
  }

  /** Raw UTF-8 text without a length (string<EOF> / string<fix>). */
  str(s: string): this {
    const n = Buffer.byteLength(s);
    this.ensure(n);
    this.buf.write(s, this.len);
    this.len += n;
    return this;
  }

  nulString(s: string): this {
    return this.str(s).u8(0);
  }

  lenencBytes(b: Uint8Array): this {
    return this.lenencInt(b.length).bytes(b);
  }

  /**
   * Length-encoded UTF-8 string. Short strings (<= 83 UTF-16 units, so <= 249 bytes) take a one-byte length
   * and are written in one pass; ASCII ones byte by byte in JS, which beats a call into Buffer.write for
   * the short names and values that make up most column definitions and rows.
   */
  lenencString(s: string): this {
    const n = s.length;
    if (n <= 83) {
      this.ensure(1 + n * 3);
      const buf = this.buf;
      const start = this.len;
      if (n <= 32) {
        let pos = start + 1;
        let i = 0;
        for (; i < n; i++) {
          const c = s.charCodeAt(i);
          if (c > 0x7f) break;
          buf[pos++] = c;
        }
        if (i === n) {
          buf[start] = n;
          this.len = pos;
          return this;
        }
      }
      const w = buf.write(s, start + 1);
      buf[start] = w;
      this.len = start + 1 + w;
      return this;
    }
    const b = Buffer.byteLength(s);
    this.lenencInt(b);
    this.ensure(b);
    this.buf.write(s, this.len);
    this.len += b;
    return this;
  }
}
