import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import { VtError } from '../errors/index.js';
import { PacketFramer, type Packet } from './packet-framer.js';

/** Pipelined packets buffered before the socket is paused. */
const MAX_QUEUED = 64;
const ER_NET_READ_INTERRUPTED = 1159;

export interface PacketInboxOptions {
  readonly maxAllowedPacket: number;
  /** Once part of a packet has arrived, more bytes must follow within this time (MySQL's net_read_timeout). */
  readonly netReadTimeoutMs: number;
  /** Called once when the client side is gone (end, close or socket error). */
  readonly onEnd: (err?: Error) => void;
}

/**
 * The receiving side of one connection: frames the socket's bytes into an ordered queue of packets that the
 * connection consumes with `next()`. Protocol errors found while framing (oversized or timed-out packets)
 * are queued in line, after the packets before them, and end the stream. The socket is paused while the
 * queue is full, so a client pipelining faster than commands complete cannot grow memory.
 */
export class PacketInbox {
  private sock: Socket;
  private readonly framer: PacketFramer;
  private readonly queue: (Packet | VtError)[] = [];
  private waiter: (() => void) | null = null;
  private endedFlag = false;
  private paused = false;
  /** Framing stops after an SSLRequest (the next bytes are TLS) and after a framing error. */
  private holdFraming = false;
  /** During the handshake a 32-byte packet is an SSLRequest. */
  expectSslRequest = false;
  private partialTimer: NodeJS.Timeout | undefined;
  private lastProgress = 0;

  constructor(
    socket: Socket,
    private readonly opts: PacketInboxOptions,
  ) {
    this.sock = socket;
    this.framer = new PacketFramer(opts.maxAllowedPacket);
    this.attach(socket);
  }

  get socket(): Socket {
    return this.sock;
  }

  get ended(): boolean {
    return this.endedFlag;
  }

  private readonly onData = (chunk: Buffer): void => {
    this.framer.push(chunk);
    this.pump();
  };
  private readonly onEnd = (): void => {
    if (!this.endedFlag) {
      this.endedFlag = true;
      this.opts.onEnd();
    }
    this.clearPartialTimer();
    this.wake();
  };
  private readonly onError = (e: Error): void => {
    if (!this.endedFlag) {
      this.endedFlag = true;
      this.opts.onEnd(e);
    }
    this.onEnd();
  };

  private attach(s: Socket): void {
    s.on('data', this.onData);
    s.on('end', this.onEnd);
    s.on('close', this.onEnd);
    s.on('error', this.onError);
  }

  private detach(s: Socket): void {
    s.off('data', this.onData);
    s.off('end', this.onEnd);
    s.off('close', this.onEnd);
    s.off('error', this.onError);
  }

  /** Marks the stream ended now (the connection is being torn down): next() returns null once drained. */
  end(): void {
    this.onEnd();
  }

  /** The next client packet; null once the client is gone; a framing error is thrown in its place in line. */
  async next(): Promise<Packet | null> {
    for (;;) {
      const p = this.queue.shift();
      if (p !== undefined) {
        if (this.queue.length < MAX_QUEUED / 2 && !this.holdFraming) this.setPaused(false);
        if (p instanceof VtError) throw p;
        return p;
      }
      if (this.endedFlag) return null;
      await new Promise<void>((res) => (this.waiter = res));
    }
  }

  private pump(): void {
    try {
      while (!this.holdFraming) {
        const p = this.framer.next();
        if (p === null) break;
        this.queue.push(p);
        if (this.expectSslRequest && p.payload.length === 32) {
          this.holdFraming = true;
          this.setPaused(true);
        }
      }
    } catch (e) {
      this.fail(VtError.from(e));
    }
    if (this.queue.length > MAX_QUEUED) this.setPaused(true);
    this.watchPartialPacket();
    this.wake();
  }

  private fail(e: VtError): void {
    this.queue.push(e);
    this.holdFraming = true;
    this.setPaused(true);
    this.clearPartialTimer();
  }

  /**
   * A client that sends part of a packet and then nothing would hold the connection forever: after
   * netReadTimeoutMs without new bytes, ERR 1159 is queued. The timer only exists while a partial packet is
   * buffered, so whole-packet traffic never touches it.
   */
  private watchPartialPacket(): void {
    if (this.framer.buffered === 0 || this.holdFraming) {
      this.clearPartialTimer();
      return;
    }
    this.lastProgress = Date.now();
    if (this.partialTimer === undefined) this.armPartialTimer(this.opts.netReadTimeoutMs);
  }

  private armPartialTimer(ms: number): void {
    this.partialTimer = setTimeout(() => {
      this.partialTimer = undefined;
      const idle = Date.now() - this.lastProgress;
      if (idle < this.opts.netReadTimeoutMs) {
        this.armPartialTimer(this.opts.netReadTimeoutMs - idle);
        return;
      }
      this.fail(
        new VtError('DEADLINE_EXCEEDED', 'Got timeout reading communication packets', {
          errno: ER_NET_READ_INTERRUPTED,
          sqlState: '08S01',
        }),
      );
      this.wake();
    }, ms);
  }

  private clearPartialTimer(): void {
    if (this.partialTimer !== undefined) {
      clearTimeout(this.partialTimer);
      this.partialTimer = undefined;
    }
  }

  private setPaused(p: boolean): void {
    if (p === this.paused) return;
    this.paused = p;
    if (p) this.sock.pause();
    else this.sock.resume();
  }

  private wake(): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w();
    }
  }

  /**
   * Replaces the socket by a TLS server socket over it, after an SSLRequest. Bytes already received after
   * the SSLRequest (clients send their ClientHello without waiting) are pushed back so TLS reads them.
   * Resolves when the TLS handshake is done; rejects (VtError) if it fails.
   */
  async upgradeToTls(ctx: SecureContext): Promise<TLSSocket> {
    const raw = this.sock;
    this.detach(raw);
    // The TLS socket reports errors from now on; the raw one must still never emit an unhandled 'error'.
    raw.on('error', () => {});
    raw.pause();
    const leftover = this.framer.drain();
    if (leftover.length > 0) raw.unshift(leftover);
    const t = new TLSSocket(raw, { isServer: true, secureContext: ctx });
    this.sock = t;
    this.attach(t);
    this.holdFraming = false;
    this.paused = false;
    this.expectSslRequest = false;
    await new Promise<void>((res, rej) => {
      const ok = (): void => {
        t.off('close', fail);
        res();
      };
      const fail = (): void => {
        t.off('secure', ok);
        rej(new VtError('UNAVAILABLE', 'TLS handshake failed'));
      };
      t.once('secure', ok);
      t.once('close', fail);
    });
    return t;
  }
}
