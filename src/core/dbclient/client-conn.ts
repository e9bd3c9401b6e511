import net from 'node:net';
import { Err, VtError } from '../errors/index.js';
import { Com, MAX_PACKET_PAYLOAD, ServerStatus, Cap } from '../protocol/constants.js';
import type { Field, SqlValue } from '../sqltypes/index.js';
import { cannotConnect, goneAway, isFatalServerErrno, malformed } from './client-errors.js';
import {
  authSwitchResponse,
  clientCapabilities,
  handshakeResponse,
  parseGreeting,
  type Credentials,
} from './client-handshake.js';
import { ColumnCache } from './column-cache.js';
import { ANY_SEQ, PacketAssembler } from './packet-assembler.js';
import { parseColumnCount, parseEof, parseErr, parseOk, type ResultEnd } from './result-packets.js';
import { readTextRow } from './text-row.js';

/** Where and as whom to connect. */
export interface ConnectOptions extends Credentials {
  /** Unix socket; when set, host/port are ignored. */
  readonly socketPath?: string;
  readonly host?: string;
  readonly port?: number;
  /** Bound on connect + handshake + auth; default 5000 ms. */
  readonly connectTimeoutMs?: number;
  /**
   * Ask for CLIENT_DEPRECATE_EOF when the server offers it (default true: one packet less per result set);
   * false keeps the EOF packets (both framings are supported; tests run both).
   */
  readonly deprecateEof?: boolean;
  /** CLIENT_FOUND_ROWS: UPDATE reports the rows it matched instead of the rows it changed. Default false. */
  readonly foundRows?: boolean;
}

/**
 * Receives one query's results, in wire order: per result either `end` alone (a row-less statement) or `fields`,
 * `row`*, `end`; then `done` exactly once. Implementations must not throw.
 */
export interface ResultSink {
  /** A result set starts. The array and its Fields may be shared with earlier results: never mutate them. */
  fields(fields: readonly Field[]): void;
  /** One row, one value per field; the sink owns the array and its values. */
  row(values: SqlValue[]): void;
  /** One result ended; `more` when another result of the same query follows (CALL, multi-results). */
  end(result: ResultEnd, more: boolean): void;
  /**
   * The query is over. `err` is undefined after its last result; a server ERR (the connection stays usable,
   * unless the server is closing it), or a connection failure (then the ClientConn `isClosed`).
   */
  done(err: VtError | undefined): void;
}

// Receive states.
const GREETING = 0;
const AUTH = 1;
const IDLE = 2;
const RESULT_START = 3;
const COLUMNS = 4;
const COLUMNS_EOF = 5;
const ROWS = 6;
const CLOSED = 7;

const QUIT_PACKET = Buffer.from([1, 0, 0, 0, Com.QUIT]);
/** After COM_QUIT, how long the server may take to close before the socket is destroyed. */
const QUIT_GRACE_MS = 1000;
const WHAT = 'mysqld';
const READ_BUFFER_SIZE = 64 * 1024;

/**
 * One client connection to mysqld, text protocol only, one query at a time. It frames packets itself and parses
 * rows straight from the received chunks: no per-packet objects, no per-row closures or promises, column
 * definitions parsed once per result (and reused while they repeat byte for byte). Results go to a ResultSink.
 *
 * Failures are VtErrors: server ERR packets keep errno/SQLSTATE/message; unreachable servers are UNAVAILABLE
 * 2002, lost connections UNAVAILABLE 2006, unreadable bytes UNAVAILABLE 2027 (and close the connection).
 */
export class ClientConn {
  private state = GREETING;
  private readonly packets = new PacketAssembler({ packet: (buf, start, end) => this.packet(buf, start, end) });
  private sink: ResultSink | undefined = undefined;
  private caps = 0;
  private deprecateEof = false;
  private greetingThreadId = 0;
  private serverVersionText = '';
  private readonly columns = new ColumnCache();
  private binary: Uint8Array = new Uint8Array(0);
  private socketError: Error | undefined = undefined;
  private connectTimer: NodeJS.Timeout | undefined;
  private connecting: { resolve(c: ClientConn): void; reject(e: VtError): void } | undefined;

  private constructor(
    private readonly socket: net.Socket,
    private readonly opts: ConnectOptions,
  ) {}

  /** Connects, handshakes and authenticates (mysql_native_password, utf8mb4). */
  static connect(opts: ConnectOptions): Promise<ClientConn> {
    return new Promise((resolve, reject) => {
      // Reads land in one buffer per connection (no Buffer and no stream machinery per read): everything kept
      // from a chunk is copied or decoded out of it before the next read.
      let c: ClientConn | undefined = undefined;
      const readBuffer = Buffer.allocUnsafe(READ_BUFFER_SIZE);
      const onread = {
        buffer: readBuffer,
        callback: (n: number): boolean => {
          c!.receive(readBuffer, n);
          return true;
        },
      };
      const socket = opts.socketPath
        ? net.createConnection({ path: opts.socketPath, onread })
        : net.createConnection({ host: opts.host ?? '127.0.0.1', port: opts.port ?? 3306, onread });
      c = new ClientConn(socket, opts);
      c.connecting = { resolve, reject };
      c.connectTimer = setTimeout(
        () => c.fail(cannotConnect(WHAT, `connect timed out after ${opts.connectTimeoutMs ?? 5000} ms`)),
        opts.connectTimeoutMs ?? 5000,
      );
      socket.setNoDelay(true);
      socket.on('error', (err: Error) => (c.socketError ??= err));
      socket.on('close', () => c.socketClosed());
    });
  }

  /** The server's connection id (what KILL takes). */
  get threadId(): number {
    return this.greetingThreadId;
  }

  /** The capability flags in effect (what both sides support of what this client asks for). */
  get capabilities(): number {
    return this.caps;
  }

  get serverVersion(): string {
    return this.serverVersionText;
  }

  /** True once the connection is unusable (closed here, lost, or failed): every later query fails UNAVAILABLE. */
  get isClosed(): boolean {
    return this.state === CLOSED;
  }

  /** True while a query's results are being received. */
  get isBusy(): boolean {
    return this.state > IDLE && this.state < CLOSED;
  }

  /** Bytes read from the socket so far (what backpressure bounds). */
  get bytesReceived(): number {
    return this.socket.bytesRead;
  }

  /**
   * Sends one COM_QUERY (one socket write) and delivers its results to `sink`. A closed or busy connection
   * calls `sink.done` with UNAVAILABLE / INTERNAL right away.
   */
  query(sql: string, sink: ResultSink): void {
    if (this.state !== IDLE) {
      sink.done(
        this.state === CLOSED
          ? Err.unavailable('mysqld connection is closed')
          : Err.internal('mysqld connection is already running a statement'),
      );
      return;
    }
    const packet = comQuery(sql);
    this.sink = sink;
    this.state = RESULT_START;
    // The reply's sequence continues after the query's packets (more than one from 16 MiB on).
    this.packets.seq = (Math.floor(packet.length / (MAX_PACKET_PAYLOAD + 4)) + 1) & 0xff;
    this.socket.write(packet);
  }

  /** Stops reading the socket (the server then blocks on a full socket buffer); for consumers that are behind. */
  pause(): void {
    this.socket.pause();
  }

  resume(): void {
    this.socket.resume();
  }

  /**
   * Closes without waiting: COM_QUIT when idle, else the socket is destroyed. A running query's sink gets
   * UNAVAILABLE.
   */
  close(): void {
    if (this.state === CLOSED) return;
    if (this.state === IDLE) {
      this.state = CLOSED;
      this.socket.end(QUIT_PACKET);
      setTimeout(() => this.socket.destroy(), QUIT_GRACE_MS).unref();
      return;
    }
    this.fail(Err.unavailable('mysqld connection closed'));
  }

  private socketClosed(): void {
    const detail = this.socketError?.message ?? 'connection closed by mysqld';
    this.fail(
      this.connecting ? cannotConnect(WHAT, detail, this.socketError) : goneAway(WHAT, detail, this.socketError),
    );
  }

  /** Ends the connection with `err`: a pending connect is rejected, a running query's sink gets `err`. */
  private fail(err: VtError): void {
    if (this.state === CLOSED) return;
    this.state = CLOSED;
    this.packets.stop();
    this.socket.destroy();
    clearTimeout(this.connectTimer);
    const connecting = this.connecting;
    this.connecting = undefined;
    connecting?.reject(err);
    const sink = this.sink;
    this.sink = undefined;
    sink?.done(err);
  }

  private receive(chunk: Buffer, n: number): void {
    if (this.state === CLOSED) return; // bytes already read when the connection was given up
    try {
      this.packets.push(chunk, n);
    } catch (err) {
      this.fail(
        err instanceof VtError
          ? err.code === 'UNAVAILABLE'
            ? err
            : malformed(err.message)
          : Err.internal(`mysqld client failed reading a result: ${String(err)}`, err),
      );
    }
  }

  /** A packet while no query runs: the server's ERR before it closes the connection (shutdown, KILL). */
  private unsolicited(buf: Buffer, start: number, end: number): void {
    if (buf[start] === 0xff) this.fail(parseErr(buf, start, end));
    else this.fail(malformed('unexpected packet while idle'));
  }

  /** One logical packet, interpreted by the receive state. */
  private packet(buf: Buffer, start: number, end: number): void {
    const first = buf[start];
    switch (this.state) {
      case IDLE:
        this.unsolicited(buf, start, end);
        return;
      case ROWS:
        if (first === 0xfe && end - start < MAX_PACKET_PAYLOAD) {
          this.resultEnd(this.deprecateEof ? parseOk(buf, start, end) : parseEof(buf, start, end));
        } else if (first === 0xff) {
          this.queryError(parseErr(buf, start, end));
        } else {
          this.sink!.row(readTextRow(buf, start, end, this.binary));
        }
        return;
      case RESULT_START:
        if (first === 0x00) this.resultEnd(parseOk(buf, start, end));
        else if (first === 0xff) this.queryError(parseErr(buf, start, end));
        else if (first === 0xfb) throw malformed('LOCAL INFILE request (not enabled by this client)');
        else {
          this.columns.begin(parseColumnCount(buf, start, end));
          this.state = COLUMNS;
        }
        return;
      case COLUMNS:
        if (this.columns.add(buf, start, end)) {
          if (this.deprecateEof) this.startRows();
          else this.state = COLUMNS_EOF;
        }
        return;
      case COLUMNS_EOF:
        if (first !== 0xfe) throw malformed('expected EOF after column definitions');
        this.startRows();
        return;
      case GREETING:
        this.greeting(buf, start, end);
        return;
      case AUTH:
        this.auth(buf, start, end);
        return;
    }
  }

  /** Between commands: packets the server sends now are unasked (an ERR before it closes), any sequence id. */
  private idle(): void {
    this.state = IDLE;
    this.packets.seq = ANY_SEQ;
  }

  private startRows(): void {
    const fields = this.columns.fields();
    this.binary = this.columns.binary();
    this.state = ROWS;
    this.sink!.fields(fields);
  }

  private resultEnd(r: ResultEnd): void {
    const more = (r.statusFlags & ServerStatus.MORE_RESULTS_EXISTS) !== 0;
    if (more) this.state = RESULT_START;
    else this.idle();
    const sink = this.sink!;
    if (!more) this.sink = undefined;
    sink.end(r, more);
    if (!more) sink.done(undefined);
  }

  private queryError(err: VtError): void {
    if (isFatalServerErrno(err.errno)) {
      this.fail(err);
      return;
    }
    this.idle();
    const sink = this.sink!;
    this.sink = undefined;
    sink.done(err);
  }

  private greeting(buf: Buffer, start: number, end: number): void {
    if (buf[start] === 0xff) {
      this.fail(parseErr(buf, start, end));
      return;
    }
    const g = parseGreeting(buf.subarray(start, end));
    this.greetingThreadId = g.threadId;
    this.serverVersionText = g.serverVersion;
    this.caps = clientCapabilities(
      g.capabilities,
      this.opts.database,
      this.opts.deprecateEof ?? true,
      this.opts.foundRows ?? false,
    );
    this.deprecateEof = (this.caps & Cap.DEPRECATE_EOF) !== 0;
    this.state = AUTH;
    this.send(handshakeResponse(g, this.caps, this.opts));
  }

  private auth(buf: Buffer, start: number, end: number): void {
    const first = buf[start];
    if (first === 0x00) {
      this.idle();
      clearTimeout(this.connectTimer);
      const connecting = this.connecting!;
      this.connecting = undefined;
      connecting.resolve(this);
    } else if (first === 0xff) {
      this.fail(parseErr(buf, start, end));
    } else if (first === 0xfe) {
      this.send(authSwitchResponse(buf.subarray(start, end), this.opts.password ?? ''));
    } else {
      throw malformed(`unexpected packet 0x${(first ?? 0).toString(16)} during authentication`);
    }
  }

  /** Sends one packet (< 16 MiB) of the handshake with the next sequence id. */
  private send(payload: Buffer): void {
    const seq = this.packets.seq;
    const header = Buffer.from([payload.length & 0xff, (payload.length >> 8) & 0xff, payload.length >> 16, seq]);
    this.packets.seq = (seq + 1) & 0xff;
    this.socket.write(Buffer.concat([header, payload]));
  }
}

/** COM_QUERY framed in one buffer (one socket write), split into 16 MiB physical packets when needed. */
export function comQuery(sql: string): Buffer {
  const payloadLen = Buffer.byteLength(sql, 'utf8') + 1;
  if (payloadLen < MAX_PACKET_PAYLOAD) {
    const b = Buffer.allocUnsafe(payloadLen + 4);
    b[0] = payloadLen & 0xff;
    b[1] = (payloadLen >> 8) & 0xff;
    b[2] = payloadLen >> 16;
    b[3] = 0;
    b[4] = Com.QUERY;
    b.write(sql, 5, 'utf8');
    return b;
  }
  const payload = Buffer.allocUnsafe(payloadLen);
  payload[0] = Com.QUERY;
  payload.write(sql, 1, 'utf8');
  // Every full packet is followed by another, possibly empty, one.
  const parts = Math.floor(payloadLen / MAX_PACKET_PAYLOAD) + 1;
  const out = Buffer.allocUnsafe(payloadLen + 4 * parts);
  let pos = 0;
  for (let i = 0; i < parts; i++) {
    const from = i * MAX_PACKET_PAYLOAD;
    const len = Math.min(MAX_PACKET_PAYLOAD, payloadLen - from);
    out.writeUIntLE(len, pos, 3);
    out[pos + 3] = i & 0xff;
    payload.copy(out, pos + 4, from, from + len);
    pos += 4 + len;
  }
  return out;
}
