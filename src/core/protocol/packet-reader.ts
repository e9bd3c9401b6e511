import { Err } from '../errors/index.js';

/**
 * Reads the fields of one packet payload. Every read is bounds-checked: reading past the end (a truncated
 * length-encoded integer, a string longer than the packet, ...) throws Err.malformedPacket, which the connection
 * answers with an ERR and a close. Never throws anything else.
 */
export class PacketReader {
  pos: number;

  constructor(
    readonly buf: Buffer,
    start = 0,
  ) {
    this.pos = start;
  }

  get remaining(): number {
    return this.buf.length - this.pos;
  }

  private need(n: number, what: string): void {
    if (n < 0 || this.pos + n > this.buf.length) throw Err.malformedPacket(`truncated ${what}`);
  }

  u8(): number {
    this.need(1, 'int<1>');
    return this.buf[this.pos++]!;
  }

  u16(): number {
    this.need(2, 'int<2>');
    const v = this.buf.readUInt16LE(this.pos);
    this.pos += 2;
    return v;
  }

  u24(): number {
    this.need(3, 'int<3>');
    const v = this.buf.readUIntLE(this.pos, 3);
    this.pos += 3;
    return v;
  }

  u32(): number {
    this.need(4, 'int<4>');
    const v = this.buf.readUInt32LE(this.pos);
    this.pos += 4;
    return v;
  }

  u64(): bigint {
    this.need(8, 'int<8>');
    const v = this.buf.readBigUInt64LE(this.pos);
    this.pos += 8;
    return v;
  }

  skip(n: number): void {
    this.need(n, 'filler');
    this.pos += n;
  }

  /**
   * A length-encoded integer as a number. 0xfb (NULL marker) and 0xff are invalid here; values above 2^53 are
   * rejected because every length the server reads must fit in a Buffer anyway.
   */
  lenencInt(): number {
    const first = this.u8();
    if (first < 0xfb) return first;
    if (first === 0xfc) return this.u16();
    if (first === 0xfd) return this.u24();
    if (first === 0xfe) {
      const v = this.u64();
      if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw Err.malformedPacket('length-encoded integer too large');
      return Number(v);
    }
    throw Err.malformedPacket(`invalid length-encoded integer prefix 0x${first.toString(16)}`);
  }

  bytes(n: number): Buffer {
    this.need(n, 'string');
    const v = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }

  lenencBytes(): Buffer {
    return this.bytes(this.lenencInt());
  }

  lenencString(): string {
    const n = this.lenencInt();
    this.need(n, 'string<lenenc>');
    const s = this.buf.toString('utf8', this.pos, this.pos + n);
    this.pos += n;
    return s;
  }

  /** A NUL-terminated string; a missing terminator is malformed. */
  nulString(): string {
    return this.nulBytes().toString('utf8');
  }

  nulBytes(): Buffer {
    const end = this.buf.indexOf(0, this.pos);
    if (end < 0) throw Err.malformedPacket('unterminated string<NUL>');
    const v = this.buf.subarray(this.pos, end);
    this.pos = end + 1;
    return v;
  }

  /** The rest of the payload (string<EOF>). */
  rest(): Buffer {
    const v = this.buf.subarray(this.pos);
    this.pos = this.buf.length;
    return v;
  }
}
