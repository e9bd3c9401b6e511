import type { Socket } from 'node:net';
import { TLSSocket, type SecureContext } from 'node:tls';
import type { Logger } from '../env/logger.js';
import { ErrNo, VtError } from '../errors/index.js';
import type { ResultEvent } from '../sqltypes/result.js';
import { authenticate, type AuthContext, type AuthIO } from './auth-exchange.js';
import { newScramble } from './auth-scramble.js';
import { Cap } from './constants.js';
import { CommandDispatcher } from './command-dispatcher.js';
import type { Handler, ServerConnection } from './handler.js';
import { parseHandshakeResponse, writeHandshakeV10 } from './handshake.js';
import { PacketFramer, type Packet } from './packet-framer.js';
import { PacketWriter } from './packet-writer.js';
import { ResultWriter } from './result-writer.js';
import { writeErr, writeOk } from './server-packets.js';

/** What every connection of one server shares. */
export interface ConnectionConfig {
  readonly handler: Handler;
  readonly auth: AuthContext;
  readonly serverVersion: string;
  /** Capabilities the server offers (SSL included only when TLS is configured). */
  readonly capabilities: number;
  readonly tlsContext: SecureContext | undefined;
  readonly requireSecureTransport: boolean;
  readonly maxAllowedPacket: number;
  readonly handshakeTimeoutMs: number;
  /** Once part of a packet has arrived, the rest must follow within this time (MySQL's net_read_timeout). */
  readonly netReadTimeoutMs: number;
  readonly logger: Logger;
}

/** Results at least this large are written (and back-pressure awaited) before encoding more rows. */
const FLUSH_BYTES = 256 * 1024;
/** Pipelined packets buffered before the socket is paused. */
const MAX_QUEUED = 64;
const ER_NET_READ_INTERRUPTED = 1159;

/**
 * Errors after which the connection's byte stream can no longer be trusted: answered with an ERR, then the
 * connection is closed. Everything else (handler errors) leaves the connection usable.
 */
function isFatal(e: unknown): boolean {
  return (
    e instanceof VtError &&
    (e.errno === ErrNo.ER_MALFORMED_PACKET ||
      e.errno === ErrNo.ER_NET_PACKET_TOO_LARGE ||
      e.errno === ErrNo.ER_NET_PACKETS_OUT_OF_ORDER ||
      e.errno === ER_NET_READ_INTERRUPTED ||
      e.errno === ErrNo.ER_HANDSHAKE)
  );
}

/**
 * One client connection: handshake, auth, optional TLS upgrade, then the command loop (in
 * CommandDispatcher). Commands run strictly one after another; pipelined packets wait in a bounded queue
 * (the socket is paused when it is full). `run()` settles when the connection is gone, after the handler's
 * connectionClosed.
 */
export class MysqlConnection implements ServerConnection {
  user = '';
  userData = '';
  db = '';
  tls = false;
  capabilities = 0;
  attributes: ReadonlyMap<string, string> = new Map();
  inTransaction = false;
  autocommit = true;
  session: unknown = undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly scramble = newScramble();
  /** Aborted when the socket closes; handed to the handler with each query. */
  readonly abort = new AbortController();

  readonly w = new PacketWriter();
  private socket: Socket;
  private readonly framer: PacketFramer;
  private readonly queue: (Packet | VtError)[] = [];
  private waiter: (() => void) | null = null;
  private ended = false;
  private paused = false;
  /** During the handshake an SSLRequest stops framing: the bytes after it belong to TLS. */
  private holdFraming = false;
  private expectSslRequest = false;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** newConnection succeeded: connectionClosed is owed. */
  private opened = false;
  private partialTimer: NodeJS.Timeout | undefined;
  private lastProgress = 0;

  constructor(
    socket: Socket,
    readonly id: number,
    readonly config: ConnectionConfig,
  ) {
    this.socket = socket;
    this.remoteAddress = (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    this.framer = new PacketFramer(config.maxAllowedPacket);
    socket.setNoDelay(true);
    this.attach(socket);
  }

  private readonly onData = (chunk: Buffer): void => {
    this.framer.push(chunk);
    this.pump();
  };
  private readonly onEnd = (): void => {
    this.ended = true;
    this.abort.abort();
    this.wake();
  };
  private readonly onError = (e: Error): void => {
    this.config.logger.debug({ conn: this.id, err: e.message }, 'client socket error');
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
      this.queue.push(VtError.from(e));
      this.holdFraming = true;
      this.setPaused(true);
    }
    if (this.queue.length > MAX_QUEUED) this.setPaused(true);
    this.watchPartialPacket();
    this.wake();
  }

  /**
   * A client that sends part of a packet and then nothing would hold the connection forever: after
   * netReadTimeoutMs the connection gets ERR 1159 (in order, after the commands before it) and is closed.
   * The timer only exists while a partial packet is buffered, so whole-packet traffic never touches it.
   */
  private watchPartialPacket(): void {
    const partial = this.framer.buffered > 0 && !this.holdFraming;
    if (!partial) {
      if (this.partialTimer !== undefined) {
        clearTimeout(this.partialTimer);
        this.partialTimer = undefined;
      }
      return;
    }
    // Progress (any new bytes) restarts the wait, like a per-read timeout.
    this.lastProgress = Date.now();
    if (this.partialTimer === undefined) this.armPartialTimer(this.config.netReadTimeoutMs);
  }

  private armPartialTimer(ms: number): void {
    this.partialTimer = setTimeout(() => {
      this.partialTimer = undefined;
      const idle = Date.now() - this.lastProgress;
      if (idle < this.config.netReadTimeoutMs) {
        this.armPartialTimer(this.config.netReadTimeoutMs - idle);
        return;
      }
      this.queue.push(
        new VtError('DEADLINE_EXCEEDED', 'Got timeout reading communication packets', {
          errno: ER_NET_READ_INTERRUPTED,
          sqlState: '08S01',
        }),
      );
      this.holdFraming = true;
      this.wake();
    }, ms);
  }

  private setPaused(p: boolean): void {
    if (p === this.paused) return;
    this.paused = p;
    if (p) this.socket.pause();
    else this.socket.resume();
  }

  private wake(): void {
    const w = this.waiter;
    if (w !== null) {
      this.waiter = null;
      w();
    }
  }

  /** The next client packet, null once the client is gone; a framing error is thrown in its place in line. */
  async nextPacket(): Promise<Packet | null> {
    for (;;) {
      const p = this.queue.shift();
      if (p !== undefined) {
        if (this.queue.length < MAX_QUEUED / 2 && !this.holdFraming) this.setPaused(false);
        if (p instanceof VtError) throw p;
        return p;
      }
      if (this.ended) return null;
      await new Promise<void>((res) => (this.waiter = res));
    }
  }

  /** Writes what the writer holds; resolves after 'drain' when the socket's buffer is full. */
  flush(): Promise<void> | undefined {
    if (this.w.length === 0) return undefined;
    if (this.ended) {
      this.w.reset();
      return undefined;
    }
    if (this.socket.write(this.w.take())) return undefined;
    const s = this.socket;
    return new Promise<void>((res) => {
      const done = (): void => {
        s.off('drain', done);
        s.off('close', done);
        res();
      };
      s.on('drain', done);
      s.on('close', done);
    });
  }

  get isEnded(): boolean {
    return this.ended;
  }

  /** Runs the connection to its end. Never rejects. */
  async run(): Promise<void> {
    const dispatcher = new CommandDispatcher(this);
    try {
      if (!(await this.handshake())) return;
      await dispatcher.loop();
    } catch (e) {
      // Login refusals and protocol violations are the client's problem; anything else is ours.
      if (e instanceof VtError) this.config.logger.debug({ conn: this.id, errno: e.errno, err: e.message }, 'connection ended by error');
      else this.config.logger.warn({ conn: this.id, err: String(e) }, 'connection failed');
      this.sendError(e);
      await this.flush();
    } finally {
      clearTimeout(this.handshakeTimer);
      clearTimeout(this.partialTimer);
      dispatcher.closeAllStatements();
      if (this.opened) {
        try {
          await this.config.handler.connectionClosed?.(this);
        } catch (e) {
          this.config.logger.warn({ conn: this.id, err: String(e) }, 'connectionClosed failed');
        }
      }
      this.ended = true;
      this.abort.abort();
      // end() flushes the last packets; a client that never reads them or never closes its side must not
      // keep the socket alive.
      const s = this.socket;
      s.end(() => s.destroy());
      setTimeout(() => s.destroy(), 5000).unref();
    }
  }

  /** Closes the socket now (server shutdown, handshake timeout); run() then finishes. */
  destroy(): void {
    this.socket.destroy();
    this.onEnd();
  }

  /** Writes an ERR for any error: VtError fields, else 1105/HY000. */
  sendError(e: unknown): void {
    const v = e instanceof VtError ? e : VtError.from(e);
    this.w.abortPacket();
    writeErr(this.w, v.errno, v.sqlState, v.message);
  }

  /** Streams a handler result to the client; handler errors end it with an ERR (the connection stays open). */
  async sendResults(
    events: AsyncIterable<ResultEvent> | Iterable<ResultEvent>,
    binary: boolean,
  ): Promise<void> {
    const rw = new ResultWriter(this.w, this, (this.capabilities & Cap.DEPRECATE_EOF) !== 0, binary);
    try {
      if (Symbol.asyncIterator in events) {
        for await (const ev of events) {
          rw.push(ev);
          if (this.w.length >= FLUSH_BYTES) await this.flush();
          if (this.ended) return;
        }
      } else {
        for (const ev of events) {
          rw.push(ev);
          if (this.w.length >= FLUSH_BYTES) await this.flush();
          if (this.ended) return;
        }
      }
      rw.finish();
    } catch (e) {
      if (isFatal(e)) throw e;
      rw.fail();
      this.sendError(e);
    }
  }

  private async handshake(): Promise<boolean> {
    const cfg = this.config;
    this.handshakeTimer = setTimeout(() => {
      cfg.logger.debug({ conn: this.id }, 'handshake timeout');
      this.destroy();
    }, cfg.handshakeTimeoutMs);
    this.expectSslRequest = cfg.tlsContext !== undefined;
    writeHandshakeV10(this.w, {
      serverVersion: cfg.serverVersion,
      connectionId: this.id,
      scramble: this.scramble,
      capabilities: cfg.capabilities,
      charset: 45,
      status: 0x0002,
      authPlugin: cfg.auth.authServer.defaultPlugin,
    });
    await this.flush();
    let p = await this.nextPacket();
    if (p === null) return false;
    let resp = parseHandshakeResponse(p.payload, cfg.capabilities);
    this.w.seq = p.nextSeq;
    if (resp.sslRequest) {
      if (cfg.tlsContext === undefined) throw new VtError('INVALID_ARGUMENT', 'Bad handshake', { errno: ErrNo.ER_HANDSHAKE, sqlState: '08S01' });
      await this.upgradeTls(cfg.tlsContext);
      p = await this.nextPacket();
      if (p === null) return false;
      resp = parseHandshakeResponse(p.payload, cfg.capabilities);
      this.w.seq = p.nextSeq;
    }
    this.expectSslRequest = false;
    if (cfg.requireSecureTransport && !this.tls) {
      throw new VtError(
        'UNAVAILABLE',
        'Connections using insecure transport are prohibited while --require_secure_transport=ON.',
        { errno: ErrNo.ER_SECURE_TRANSPORT_REQUIRED, sqlState: 'HY000' },
      );
    }
    this.capabilities = resp.capabilities;
    this.attributes = resp.attrs;
    const cred = await authenticate(
      this.authIO(),
      cfg.auth,
      this.scramble,
      resp.user,
      this.remoteAddress,
      resp.authPlugin,
      resp.authResponse,
    );
    this.user = resp.user;
    this.userData = cred.userData;
    // The handler may still refuse the login (e.g. too many connections): its error is the handshake's ERR.
    await cfg.handler.newConnection?.(this);
    this.opened = true;
    if (resp.database !== '') {
      await cfg.handler.initDb?.(this, resp.database);
      this.db = resp.database;
    }
    clearTimeout(this.handshakeTimer);
    writeOk(this.w, { affectedRows: 0, insertId: 0, status: 0x0002, warnings: 0 });
    await this.flush();
    return true;
  }

  /** Packet I/O for the auth plugins, continuing the current sequence. */
  authIO(): AuthIO {
    return {
      tls: this.tls,
      send: (payload) => {
        this.w.begin().bytes(payload).end();
      },
      roundTrip: async (payload) => {
        this.w.begin().bytes(payload).end();
        await this.flush();
        const p = await this.nextPacket();
        if (p === null) throw new VtError('UNAVAILABLE', 'client went away during authentication');
        this.w.seq = p.nextSeq;
        return p.payload;
      },
    };
  }

  /**
   * Replaces the socket by a TLS server socket over it. Bytes already received after the SSLRequest (a
   * ClientHello sent without waiting) are pushed back into the socket so TLS reads them.
   */
  private async upgradeTls(ctx: SecureContext): Promise<void> {
    const raw = this.socket;
    this.detach(raw);
    // The TLS socket reports errors; the raw one must still never emit an unhandled 'error'.
    raw.on('error', () => {});
    raw.pause();
    const leftover = this.framer.drain();
    if (leftover.length > 0) raw.unshift(leftover);
    const t = new TLSSocket(raw, { isServer: true, secureContext: ctx });
    this.socket = t;
    this.attach(t);
    this.holdFraming = false;
    this.paused = false;
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
    this.tls = true;
  }
}
