import type { Socket } from 'node:net';
import type { SecureContext } from 'node:tls';
import type { Logger } from '../env/logger.js';
import { ErrNo, VtError } from '../errors/index.js';
import { authenticate, type AuthContext, type AuthIO } from './auth-exchange.js';
import { newScramble } from './auth-scramble.js';
import { Cap } from './constants.js';
import { CommandDispatcher } from './command-dispatcher.js';
import type { Handler, HandlerResult, ServerConnection } from './handler.js';
import { parseHandshakeResponse, writeHandshakeV10 } from './handshake.js';
import type { Packet } from './packet-framer.js';
import { PacketInbox } from './packet-inbox.js';
import { PacketWriter } from './packet-writer.js';
import { QueryCancel } from './query-cancel.js';
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

function badHandshake(): VtError {
  return new VtError('INVALID_ARGUMENT', 'Bad handshake', { errno: ErrNo.ER_HANDSHAKE, sqlState: '08S01' });
}

/** Results at least this large are written (and back-pressure awaited) before encoding more rows. */
const FLUSH_BYTES = 256 * 1024;

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
  clientCharset = 0;
  attributes: ReadonlyMap<string, string> = new Map();
  inTransaction = false;
  autocommit = true;
  session: unknown = undefined;
  readonly remoteAddress: string;
  readonly remotePort: number;
  private readonly unixSocket: boolean;
  readonly scramble = newScramble();
  /** The running query's cancellation: fired by killQuery() or when the client goes away. */
  private running: QueryCancel | null = null;
  /** A command is being answered (between reading it and flushing its reply). */
  busy = false;
  /** Server shutdown asked this connection to end after the command it is answering. */
  draining = false;
  /** The QueryCancel every query of this connection reuses (see QueryCancel). */
  private readonly cancel = new QueryCancel();

  readonly w = new PacketWriter();
  private readonly inbox: PacketInbox;
  private handshakeTimer: NodeJS.Timeout | undefined;
  /** newConnection succeeded: connectionClosed is owed. */
  private opened = false;

  constructor(
    socket: Socket,
    readonly id: number,
    readonly config: ConnectionConfig,
  ) {
    // A Unix socket peer has no address; MySQL calls that host 'localhost'.
    this.unixSocket = socket.remoteAddress === undefined;
    this.remoteAddress = this.unixSocket ? 'localhost' : (socket.remoteAddress ?? '').replace(/^::ffff:/, '');
    this.remotePort = socket.remotePort ?? 0;
    socket.setNoDelay(true);
    this.inbox = new PacketInbox(socket, {
      maxAllowedPacket: config.maxAllowedPacket,
      netReadTimeoutMs: config.netReadTimeoutMs,
      onEnd: (err) => {
        if (err) config.logger.debug({ conn: id, err: err.message }, 'client socket error');
        this.running?.cancel();
      },
    });
  }

  /** The next client packet, null once the client is gone; framing errors are thrown in line. */
  nextPacket(): Promise<Packet | null> {
    return this.inbox.next();
  }

  /** Writes what the writer holds; resolves after 'drain' when the socket's buffer is full. */
  flush(): Promise<void> | undefined {
    if (this.w.length === 0) return undefined;
    if (this.inbox.ended) {
      this.w.reset();
      return undefined;
    }
    const s = this.inbox.socket;
    if (s.write(this.w.take())) return undefined;
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

  /** Runs the connection to its end. Never rejects. */
  async run(): Promise<void> {
    const dispatcher = new CommandDispatcher(this);
    try {
      if (!(await this.handshake())) return;
      await dispatcher.loop();
    } catch (e) {
      // Login refusals and protocol violations are the client's problem; anything else is ours.
      if (e instanceof VtError)
        this.config.logger.debug({ conn: this.id, errno: e.errno, err: e.message }, 'connection ended by error');
      else this.config.logger.warn({ conn: this.id, err: String(e) }, 'connection failed');
      this.sendError(e);
      await this.flush();
    } finally {
      clearTimeout(this.handshakeTimer);
      dispatcher.closeAllStatements();
      if (this.opened) {
        try {
          await this.config.handler.connectionClosed?.(this);
        } catch (e) {
          this.config.logger.warn({ conn: this.id, err: String(e) }, 'connectionClosed failed');
        }
      }
      this.inbox.end();
      this.running?.cancel();
      // end() flushes the last packets; a client that never reads them or never closes its side must not
      // keep the socket alive.
      const s = this.inbox.socket;
      s.end(() => s.destroy());
      setTimeout(() => s.destroy(), 5000).unref();
    }
  }

  /**
   * Streams the result of one handler call (COM_QUERY or COM_STMT_EXECUTE), giving it the connection's
   * QueryCancel, whose signal fires on killQuery() or when the client goes away while this query runs.
   */
  async runQuery(start: (cancel: QueryCancel) => HandlerResult, binary: boolean): Promise<void> {
    const q = this.cancel;
    q.reset();
    if (this.inbox.ended) q.cancel();
    this.running = q;
    try {
      await this.sendResults(start(q), binary);
    } finally {
      this.running = null;
    }
  }

  /** Aborts the running query, if any (KILL QUERY); true if there was one not yet cancelled. */
  killQuery(): boolean {
    return this.running?.cancel() ?? false;
  }

  /**
   * Server shutdown with a drain: an idle connection (or one still in its handshake) closes now; one answering a
   * command closes once that reply is flushed, so statements in flight finish (as Vitess's listener does).
   */
  closeWhenIdle(): void {
    if (this.busy) this.draining = true;
    else this.destroy();
  }

  /** Closes the socket now (server shutdown, KILL, handshake timeout); run() then finishes. */
  destroy(): void {
    this.inbox.socket.destroy();
    this.inbox.end();
  }

  /** Writes an ERR for any error: VtError fields, else 1105/HY000. */
  sendError(e: unknown): void {
    const v = e instanceof VtError ? e : VtError.from(e);
    this.w.abortPacket();
    writeErr(this.w, v.errno, v.sqlState, v.message);
  }

  /** Streams a handler result to the client; handler errors end it with an ERR (the connection stays open). */
  private async sendResults(result: HandlerResult, binary: boolean): Promise<void> {
    const rw = new ResultWriter(this.w, this, (this.capabilities & Cap.DEPRECATE_EOF) !== 0, binary);
    try {
      const events = result instanceof Promise ? await result : result;
      if (Symbol.asyncIterator in events) {
        for await (const ev of events) {
          rw.push(ev);
          if (this.w.length >= FLUSH_BYTES) await this.flush();
          if (this.inbox.ended) return;
        }
      } else {
        for (const ev of events) {
          rw.push(ev);
          if (this.w.length >= FLUSH_BYTES) await this.flush();
          if (this.inbox.ended) return;
        }
      }
      rw.finish();
    } catch (e) {
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
    this.inbox.expectSslRequest = cfg.tlsContext !== undefined;
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
      if (cfg.tlsContext === undefined) throw badHandshake();
      await this.inbox.upgradeToTls(cfg.tlsContext);
      this.tls = true;
      p = await this.nextPacket();
      if (p === null) return false;
      resp = parseHandshakeResponse(p.payload, cfg.capabilities);
      this.w.seq = p.nextSeq;
      if (resp.sslRequest) throw badHandshake();
    }
    this.inbox.expectSslRequest = false;
    if (cfg.requireSecureTransport && !this.tls && !this.unixSocket) {
      throw new VtError(
        'UNAVAILABLE',
        'Connections using insecure transport are prohibited while --require_secure_transport=ON.',
        { errno: ErrNo.ER_SECURE_TRANSPORT_REQUIRED, sqlState: 'HY000' },
      );
    }
    this.capabilities = resp.capabilities;
    this.clientCharset = resp.charset;
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
      secure: this.tls || this.unixSocket,
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
}
