import { VtError } from '../errors/index.js';

/*
 * Wire format of a vt RPC connection. Each side first sends an 8-byte preface, then frames:
 *
 *   preface  'V' 'T' 'R' 'P' 'C' version(1) codec-id(1) 0
 *            The client names its payload codec; the server echoes it, or answers codec-id 0 and closes when it
 *            does not support it. Anything else in the first 8 bytes closes the connection (e.g. an HTTP client).
 *   frame    u32 BE payload length | u8 type | u32 BE request id | u8 flags | payload
 *
 * Payloads by type (codec = the negotiated Codec):
 *   Request     u32 BE timeout ms (0 = none) | u32 BE initial stream window (items; 0 for unary)
 *               | u16 BE method length | method (UTF-8, "service.Method") | codec(argument)
 *   Response    codec(result)                       unary reply; the call is over
 *   StreamItem  codec(item)
 *   StreamEnd   empty                               the stream finished cleanly
 *   Error       JSON VtErrorJson                    the call failed; independent of the codec on purpose
 *   Cancel      empty                               client -> server: stop the call (abort, deadline, break)
 *   Credit      u32 BE items                        client -> server: the client consumed this many items
 */
export const PREFACE_SIZE = 8;
export const PROTOCOL_VERSION = 1;
const MAGIC = Buffer.from('VTRPC', 'latin1');

export const FrameType = {
  Request: 1,
  Response: 2,
  StreamItem: 3,
  StreamEnd: 4,
  Error: 5,
  Cancel: 6,
  Credit: 7,
} as const;
export type FrameType = (typeof FrameType)[keyof typeof FrameType];

/** Request flag: the caller expects a stream (so a unary/stream mismatch is an error, not a hang). */
export const FLAG_STREAM = 1;
/**
 * Cancel flag: the caller gave up because the call's deadline passed. The server then reports DEADLINE_EXCEEDED
 * to its handler whichever side's timer fired first (the request carries the deadline too, but the server's timer
 * starts when the request arrives, so under load the client's cancel can win the race).
 */
export const FLAG_CANCEL_DEADLINE = 1;

export const HEADER_SIZE = 10;
/** Longest deadline honoured (Node timers overflow beyond it); longer ones are clamped to it (~24.8 days). */
export const MAX_TIMEOUT_MS = 2 ** 31 - 1;
export const DEFAULT_MAX_FRAME_SIZE = 64 * 1024 * 1024;

export function encodePreface(codecId: number): Buffer {
  const b = Buffer.alloc(PREFACE_SIZE);
  MAGIC.copy(b, 0);
  b[5] = PROTOCOL_VERSION;
  b[6] = codecId;
  return b;
}

/** Returns the codec id of a valid preface; throws VtError UNAVAILABLE describing what is wrong. */
export function decodePreface(b: Buffer): number {
  if (!b.subarray(0, 5).equals(MAGIC)) throw new VtError('UNAVAILABLE', 'peer is not speaking the vt rpc protocol');
  if (b[5] !== PROTOCOL_VERSION) throw new VtError('UNAVAILABLE', `unsupported vt rpc protocol version ${b[5]}`);
  return b[6]!;
}

export function encodeHeader(type: FrameType, id: number, flags: number, payloadLength: number): Buffer {
  const h = Buffer.allocUnsafe(HEADER_SIZE);
  writeHeader(h, type, id, flags, payloadLength);
  return h;
}

/** Writes a frame header into the first HEADER_SIZE bytes of `b`. */
export function writeHeader(b: Buffer, type: FrameType, id: number, flags: number, payloadLength: number): void {
  b.writeUInt32BE(payloadLength, 0);
  b[4] = type;
  b.writeUInt32BE(id, 5);
  b[9] = flags;
}

export interface Frame {
  readonly type: FrameType;
  readonly id: number;
  readonly flags: number;
  /** A view into the received bytes when the frame arrived in one chunk: decode it before the next push. */
  readonly payload: Buffer;
}

/**
 * Incremental parser for one connection's inbound byte stream: the preface, then frames. Payloads that arrive
 * in one socket chunk are returned as views (no copy); only frames spanning chunks are copied, once.
 * `push` throws VtError on a protocol violation; after that the reader is unusable and the connection must
 * be closed. `rejected` then holds the offending frame's header, when it was parsed.
 */
export class FrameReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private prefaceDone = false;
  private header: { type: FrameType; id: number; flags: number; length: number } | undefined;
  rejected: { readonly type: number; readonly id: number; readonly length: number } | undefined;

  constructor(
    private readonly maxFrameSize: number,
    private readonly onPreface: (preface: Buffer) => void,
    private readonly onFrame: (frame: Frame) => void,
  ) {}

  push(chunk: Buffer): void {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    for (;;) {
      if (!this.prefaceDone) {
        if (this.buffered < PREFACE_SIZE) return;
        this.prefaceDone = true;
        this.onPreface(this.take(PREFACE_SIZE));
        continue;
      }
      if (this.header === undefined) {
        if (this.buffered < HEADER_SIZE) return;
        const h = this.take(HEADER_SIZE);
        const length = h.readUInt32BE(0);
        const type = h[4]!;
        const id = h.readUInt32BE(5);
        if (type < FrameType.Request || type > FrameType.Credit) {
          this.rejected = { type, id, length };
          throw new VtError('INVALID_ARGUMENT', `rpc: unknown frame type ${type}`);
        }
        if (length > this.maxFrameSize) {
          this.rejected = { type, id, length };
          throw new VtError(
            'RESOURCE_EXHAUSTED',
            `rpc: frame of ${length} bytes exceeds the maximum frame size of ${this.maxFrameSize} bytes`,
          );
        }
        this.header = { type: type as FrameType, id, flags: h[9]!, length };
      }
      if (this.buffered < this.header.length) return;
      const { type, id, flags, length } = this.header;
      this.header = undefined;
      this.onFrame({ type, id, flags, payload: length === 0 ? EMPTY : this.take(length) });
    }
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0]!;
    if (first.length > n) {
      this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    if (first.length === n) {
      this.chunks.shift();
      return first;
    }
    const out = Buffer.allocUnsafe(n);
    let off = 0;
    while (off < n) {
      const c = this.chunks[0]!;
      const k = Math.min(c.length, n - off);
      c.copy(out, off, 0, k);
      off += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}

const EMPTY = Buffer.alloc(0);
