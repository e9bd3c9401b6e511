import { MAX_PACKET_PAYLOAD } from '../protocol/constants.js';
import { malformed } from './client-errors.js';

/** Receives whole logical packets as (buf, start, end); the bytes are only valid during the call. */
export interface PacketTarget {
  packet(buf: Buffer, start: number, end: number): void;
}

/** `seq` value that turns the sequence check off (packets the server sends unasked, while no command runs). */
export const ANY_SEQ = -1;

/**
 * Cuts the bytes read from mysqld into logical packets. A packet that lies inside one read is handed over in
 * place (no copy, no view object); one split across reads is copied once into its own buffer; the physical
 * parts of a packet of 16 MiB or more are joined. Every packet must carry sequence id `seq` (the connection
 * sets it when it sends a command), else `push` throws `malformed`.
 */
export class PacketAssembler {
  /** The sequence id the next packet must carry, or ANY_SEQ. Advanced past every packet received. */
  seq = 0;
  private stopped = false;
  /** A packet split across reads: its header bytes so far, then its body being filled. */
  private readonly hdr = Buffer.alloc(4);
  private hdrLen = 0;
  private body: Buffer | undefined = undefined;
  private bodyLen = 0;
  private bodySeq = 0;
  /** Physical parts of a logical packet of 16 MiB or more. */
  private big: Buffer[] | undefined = undefined;
  private bigLen = 0;

  constructor(private readonly target: PacketTarget) {}

  /** Delivers nothing more, even from a read already being cut (the connection was given up). */
  stop(): void {
    this.stopped = true;
  }

  /** Cuts `chunk[0, n)`, which may be reused by the caller once this returns. */
  push(chunk: Buffer, n: number): void {
    let pos = 0;
    if (this.hdrLen > 0 || this.body) {
      pos = this.continuePartial(chunk, n);
      if (pos < 0) return;
    }
    while (n - pos >= 4 && !this.stopped) {
      const len = chunk[pos]! | (chunk[pos + 1]! << 8) | (chunk[pos + 2]! << 16);
      if (n - pos - 4 < len) break;
      this.physical(chunk, pos + 4, pos + 4 + len, chunk[pos + 3]!);
      pos += 4 + len;
    }
    if (pos < n && !this.stopped) this.startPartial(chunk, pos, n);
  }

  private startPartial(chunk: Buffer, pos: number, n: number): void {
    const rest = n - pos;
    if (rest < 4) {
      chunk.copy(this.hdr, 0, pos, n);
      this.hdrLen = rest;
      return;
    }
    this.openBody(chunk.readUIntLE(pos, 3), chunk[pos + 3]!);
    this.bodyLen = chunk.copy(this.body!, 0, pos + 4, n);
  }

  private openBody(len: number, seq: number): void {
    this.body = Buffer.allocUnsafe(len);
    this.bodyLen = 0;
    this.bodySeq = seq;
  }

  /** Feeds the split packet; returns where the rest of the chunk starts, or -1 when the chunk is used up. */
  private continuePartial(chunk: Buffer, n: number): number {
    let pos = 0;
    if (!this.body) {
      pos = chunk.copy(this.hdr, this.hdrLen, 0, Math.min(n, 4 - this.hdrLen));
      this.hdrLen += pos;
      if (this.hdrLen < 4) return -1;
      this.hdrLen = 0;
      this.openBody(this.hdr.readUIntLE(0, 3), this.hdr[3]!);
    }
    const body = this.body!;
    const took = chunk.copy(body, this.bodyLen, pos, Math.min(n, pos + body.length - this.bodyLen));
    this.bodyLen += took;
    pos += took;
    if (this.bodyLen < body.length) return -1;
    this.body = undefined;
    this.physical(body, 0, body.length, this.bodySeq);
    return this.stopped ? -1 : pos;
  }

  private physical(buf: Buffer, start: number, end: number, seq: number): void {
    if (this.seq !== ANY_SEQ && seq !== this.seq) throw malformed(`packet sequence id ${seq}, expected ${this.seq}`);
    this.seq = (seq + 1) & 0xff;
    if (end - start === MAX_PACKET_PAYLOAD) {
      (this.big ??= []).push(Buffer.from(buf.subarray(start, end)));
      this.bigLen += MAX_PACKET_PAYLOAD;
      return;
    }
    if (this.big) {
      this.big.push(buf.subarray(start, end));
      const joined = Buffer.concat(this.big, this.bigLen + end - start);
      this.big = undefined;
      this.bigLen = 0;
      this.target.packet(joined, 0, joined.length);
      return;
    }
    this.target.packet(buf, start, end);
  }
}
