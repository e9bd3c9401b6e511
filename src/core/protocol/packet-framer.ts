import { Err } from '../errors/index.js';
import { MAX_PACKET_PAYLOAD } from './constants.js';

/** One logical packet: its payload (split physical packets joined) and sequence ids. */
export interface Packet {
  readonly payload: Buffer;
  /** Sequence id of the first physical packet. */
  readonly seq: number;
  /** Sequence id the reply (or the next client packet) must carry. */
  readonly nextSeq: number;
}

/**
 * Splits the incoming byte stream into logical packets. Physical packets of 16 MiB - 1 bytes are joined with
 * their continuation. A logical payload larger than `maxAllowedPacket` throws Err.packetTooLarge as soon as
 * its header is seen, before its bytes are buffered, so an oversized packet cannot exhaust memory.
 * Payloads are zero-copy views of the received chunks whenever a packet lies inside one chunk.
 */
export class PacketFramer {
  private chunks: Buffer[] = [];
  private total = 0;
  private parts: Buffer[] = [];
  private partsLen = 0;
  private firstSeq = -1;

  constructor(private readonly maxAllowedPacket: number) {}

  /** Bytes received but not yet returned as packets. */
  get buffered(): number {
    return this.total + this.partsLen;
  }

  push(chunk: Buffer): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Everything received and not yet framed (used when handing the socket over to TLS). */
  drain(): Buffer {
    const b = Buffer.concat(this.chunks, this.total);
    this.chunks = [];
    this.total = 0;
    return b;
  }

  /** The next complete logical packet, or null if more bytes are needed. */
  next(): Packet | null {
    for (;;) {
      if (this.total < 4) return null;
      let head = this.chunks[0]!;
      if (head.length < 4) {
        head = this.coalesce(4);
      }
      const len = head[0]! | (head[1]! << 8) | (head[2]! << 16);
      const seq = head[3]!;
      if (this.partsLen + len > this.maxAllowedPacket) throw Err.packetTooLarge();
      if (this.total < 4 + len) return null;
      const payload = this.take(4 + len).subarray(4);
      if (this.firstSeq < 0) this.firstSeq = seq;
      if (len === MAX_PACKET_PAYLOAD) {
        this.parts.push(payload);
        this.partsLen += len;
        continue;
      }
      const first = this.firstSeq;
      this.firstSeq = -1;
      if (this.parts.length === 0) return { payload, seq: first, nextSeq: (seq + 1) & 0xff };
      this.parts.push(payload);
      const joined = Buffer.concat(this.parts, this.partsLen + len);
      this.parts = [];
      this.partsLen = 0;
      return { payload: joined, seq: first, nextSeq: (seq + 1) & 0xff };
    }
  }

  /** Merges leading chunks until the first holds at least n bytes (n <= total). */
  private coalesce(n: number): Buffer {
    let size = 0;
    let k = 0;
    while (size < n) size += this.chunks[k++]!.length;
    const merged = Buffer.concat(this.chunks.slice(0, k), size);
    this.chunks.splice(0, k, merged);
    return merged;
  }

  /** Removes and returns the first n bytes (n <= total). */
  private take(n: number): Buffer {
    const head = this.chunks[0]!;
    if (head.length < n) this.coalesce(n);
    const c = this.chunks[0]!;
    this.total -= n;
    if (c.length === n) {
      this.chunks.shift();
      return c;
    }
    this.chunks[0] = c.subarray(n);
    return c.subarray(0, n);
  }
}
