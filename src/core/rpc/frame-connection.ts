import type { Socket } from 'node:net';
import { VtError } from '../errors/index.js';
import type { Logger } from '../env/logger.js';
import { encodeHeader, FrameReader, HEADER_SIZE, writeHeader, type Frame, type FrameType } from './frame.js';

export interface FrameConnectionHandler {
  /** Throw a VtError to reject the peer's preface; the connection is then closed. */
  onPreface(preface: Buffer): void;
  onFrame(frame: Frame): void;
  /** Called exactly once, when the socket is gone. `err` is why, when it was not an orderly close. */
  onClose(err: VtError | undefined): void;
  /** A protocol violation by the peer (bad frame), before the connection is closed. */
  onProtocolError?(err: VtError, rejected: FrameReader['rejected']): void;
}

export interface FrameConnectionOptions {
  readonly maxFrameSize: number;
  readonly logger: Logger;
  /** "host:port" of the other side, for logs. */
  readonly peer: string;
  /** Queued + socket-buffered bytes above which `congested` is true. Default 1 MiB. */
  readonly highWaterBytes?: number;
}

/**
 * One socket carrying frames both ways, shared by the client and server sides.
 *
 * Writes are batched: frames sent in the same event-loop turn are written with one socket.write (or one
 * writev when large) from a setImmediate, so 1000 concurrent calls cost a handful of syscalls. Reads go
 * through FrameReader. A protocol violation or a handler bug is logged and closes this connection only.
 */
export class FrameConnection {
  private pending: Buffer[] = [];
  private pendingBytes = 0;
  private flushScheduled = false;
  private drainWaiters: (() => void)[] = [];
  private readonly reader: FrameReader;
  private readonly highWater: number;
  private error: VtError | undefined;
  /** Set after a protocol error: further input is ignored while the socket closes. */
  private failed = false;
  closed = false;

  constructor(
    private readonly socket: Socket,
    private readonly handler: FrameConnectionHandler,
    private readonly opts: FrameConnectionOptions,
  ) {
    this.highWater = opts.highWaterBytes ?? 1 << 20;
    this.reader = new FrameReader(
      opts.maxFrameSize,
      (p) => handler.onPreface(p),
      (f) => handler.onFrame(f),
    );
    socket.setNoDelay(true);
    // Notice a peer that vanished without a FIN (power loss, partition) eventually; deadlines cover the rest.
    socket.setKeepAlive(true, 10_000);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('drain', () => this.wakeDrainWaiters());
    socket.on('error', (err) => {
      this.error ??= new VtError('UNAVAILABLE', `connection to ${opts.peer} failed: ${err.message}`, { cause: err });
    });
    socket.on('close', () => this.onSocketClose());
  }

  get peer(): string {
    return this.opts.peer;
  }

  /** Queues one frame. `body` is appended to `payload` (saves a copy for prefixed payloads). Dropped if closed. */
  send(type: FrameType, id: number, flags: number, payload?: Buffer, body?: Buffer): void {
    if (this.closed) return;
    const len = (payload?.length ?? 0) + (body?.length ?? 0);
    this.queue(encodeHeader(type, id, flags, len));
    if (payload !== undefined && payload.length > 0) this.queue(payload);
    if (body !== undefined && body.length > 0) this.queue(body);
  }

  /**
   * Queues one frame whose first HEADER_SIZE bytes are reserved for its header (Codec.encodeAfter): the header is
   * written in place, so the frame goes out as one Buffer. Dropped if closed.
   */
  sendFramed(type: FrameType, id: number, flags: number, frame: Buffer): void {
    if (this.closed) return;
    writeHeader(frame, type, id, flags, frame.length - HEADER_SIZE);
    this.queue(frame);
  }

  /** Queues raw bytes (the preface). */
  queue(b: Buffer): void {
    if (this.closed) return;
    this.pending.push(b);
    this.pendingBytes += b.length;
    if (!this.flushScheduled) {
      this.flushScheduled = true;
      setImmediate(() => this.flush());
    }
  }

  /** True when the peer is not keeping up: producers should `await writable()` before sending more. */
  get congested(): boolean {
    return this.pendingBytes + this.socket.writableLength >= this.highWater || this.socket.writableNeedDrain;
  }

  /** Resolves when the connection is no longer congested, or is closed (check `closed` after). */
  writable(): Promise<void> {
    if (!this.congested || this.closed) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Flushes queued frames, then closes the socket in an orderly way. */
  end(): void {
    if (this.closed) return;
    this.flush();
    this.socket.end();
    // A peer that never reads must not keep us around.
    setTimeout(() => this.socket.destroy(), 2000).unref();
  }

  /** Closes now, dropping queued frames; `err` is what onClose reports. */
  destroy(err?: VtError): void {
    if (err) this.error ??= err;
    this.socket.destroy();
  }

  private flush(): void {
    this.flushScheduled = false;
    if (this.closed || this.pending.length === 0) return;
    const chunks = this.pending;
    const total = this.pendingBytes;
    this.pending = [];
    this.pendingBytes = 0;
    if (chunks.length === 1) {
      this.socket.write(chunks[0]!);
    } else if (total <= 256 * 1024) {
      this.socket.write(Buffer.concat(chunks, total));
    } else {
      // Large batches: writev instead of copying megabytes of row data.
      this.socket.cork();
      for (const c of chunks) this.socket.write(c);
      this.socket.uncork();
    }
    if (!this.congested) this.wakeDrainWaiters();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.failed) return;
    try {
      this.reader.push(chunk);
    } catch (err) {
      const e = VtError.from(err, 'INTERNAL');
      this.opts.logger.error({ peer: this.opts.peer, err: e.message }, 'rpc: closing connection after protocol error');
      try {
        this.handler.onProtocolError?.(e, this.reader.rejected);
      } catch {
        // Closing anyway.
      }
      this.error ??= e;
      this.failed = true;
      this.end();
    }
  }

  private onSocketClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.pending = [];
    this.pendingBytes = 0;
    this.wakeDrainWaiters();
    this.handler.onClose(this.error);
  }

  private wakeDrainWaiters(): void {
    const w = this.drainWaiters;
    if (w.length === 0) return;
    this.drainWaiters = [];
    for (const resolve of w) resolve();
  }
}
