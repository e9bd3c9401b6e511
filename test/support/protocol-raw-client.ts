import { connect, type Socket } from 'node:net';
import { nativeScramble } from '../../src/core/protocol/auth-scramble.js';
import { Cap } from '../../src/core/protocol/constants.js';

export interface RawPacket {
  readonly seq: number;
  readonly payload: Buffer;
}

/** Default client flags: a MySQL 8-style client (DEPRECATE_EOF on). */
export const RAW_CLIENT_CAPS =
  Cap.LONG_PASSWORD |
  Cap.LONG_FLAG |
  Cap.PROTOCOL_41 |
  Cap.TRANSACTIONS |
  Cap.SECURE_CONNECTION |
  Cap.MULTI_RESULTS |
  Cap.PS_MULTI_RESULTS |
  Cap.PLUGIN_AUTH |
  Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Cap.DEPRECATE_EOF;

/**
 * A byte-level MySQL client for protocol tests: it frames what it is given and returns physical packets as
 * received, so tests can assert exact bytes, send malformed input and observe the server closing.
 */
export class RawClient {
  private buf = Buffer.alloc(0);
  private waiters: (() => void)[] = [];
  private closedFlag = false;
  readonly closed: Promise<void>;

  private constructor(readonly socket: Socket) {
    socket.on('data', (d: Buffer) => {
      this.buf = Buffer.concat([this.buf, d]);
      this.wake();
    });
    this.closed = new Promise((res) => {
      socket.on('close', () => {
        this.closedFlag = true;
        this.wake();
        res();
      });
    });
    socket.on('error', () => {});
  }

  private wake(): void {
    const w = this.waiters;
    this.waiters = [];
    for (const f of w) f();
  }

  static open(port: number): Promise<RawClient> {
    return new Promise((res, rej) => {
      const s = connect(port, '127.0.0.1', () => res(new RawClient(s)));
      s.once('error', rej);
    });
  }

  /** Opens a connection and logs in with mysql_native_password. Returns the client and the server greeting. */
  static async login(
    port: number,
    opts: { user?: string; password?: string; caps?: number; db?: string } = {},
  ): Promise<{ client: RawClient; greeting: Buffer }> {
    const c = await RawClient.open(port);
    const greeting = (await c.read()).payload;
    const verEnd = greeting.indexOf(0, 1);
    const scramble = Buffer.concat([
      greeting.subarray(verEnd + 5, verEnd + 13),
      greeting.subarray(verEnd + 32, verEnd + 44),
    ]);
    let caps = opts.caps ?? RAW_CLIENT_CAPS;
    if (opts.db) caps |= Cap.CONNECT_WITH_DB;
    const auth = nativeScramble(opts.password ?? 'pw', scramble);
    const parts = [
      u32(caps),
      u32(1 << 24),
      Buffer.from([45]),
      Buffer.alloc(23),
      Buffer.from((opts.user ?? 'u') + '\0'),
      Buffer.from([auth.length]),
      auth,
    ];
    if (opts.db) parts.push(Buffer.from(opts.db + '\0'));
    parts.push(Buffer.from('mysql_native_password\0'));
    c.send(Buffer.concat(parts), 1);
    const ok = await c.read();
    if (ok.payload[0] !== 0) throw new Error(`login failed: ${ok.payload.subarray(9).toString()}`);
    return { client: c, greeting };
  }

  /** Frames `payload` as one packet (no 16 MiB splitting) with the given sequence id. */
  send(payload: Buffer, seq = 0): void {
    const h = Buffer.alloc(4);
    h.writeUIntLE(payload.length, 0, 3);
    h[3] = seq;
    this.socket.write(Buffer.concat([h, payload]));
  }

  sendRaw(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** Sends a command (seq 0): command byte + body. */
  command(cmd: number, body: Buffer | string = Buffer.alloc(0)): void {
    this.send(Buffer.concat([Buffer.from([cmd]), typeof body === 'string' ? Buffer.from(body) : body]));
  }

  /** Next physical packet; rejects if the connection closes first or after `timeoutMs`. */
  async read(timeoutMs = 5000): Promise<RawPacket> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (this.buf.length >= 4) {
        const len = this.buf.readUIntLE(0, 3);
        if (this.buf.length >= 4 + len) {
          const p = { seq: this.buf[3]!, payload: Buffer.from(this.buf.subarray(4, 4 + len)) };
          this.buf = this.buf.subarray(4 + len);
          return p;
        }
      }
      if (this.closedFlag) throw new Error('connection closed');
      const left = deadline - Date.now();
      if (left <= 0) throw new Error('read timeout');
      await new Promise<void>((res) => {
        const t = setTimeout(res, left);
        this.waiters.push(() => {
          clearTimeout(t);
          res();
        });
      });
    }
  }

  /** Reads packets until an OK/EOF/ERR terminator without MORE_RESULTS, returns all of them. */
  async readAll(count: number, timeoutMs = 5000): Promise<RawPacket[]> {
    const out: RawPacket[] = [];
    for (let i = 0; i < count; i++) out.push(await this.read(timeoutMs));
    return out;
  }

  get isClosed(): boolean {
    return this.closedFlag;
  }

  close(): void {
    this.socket.destroy();
  }
}

export function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

export function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16LE(n);
  return b;
}

/** Decodes an ERR payload. */
export function parseErr(p: Buffer): { errno: number; sqlState: string; message: string } {
  if (p[0] !== 0xff) throw new Error(`not an ERR packet: ${p.toString('hex')}`);
  return { errno: p.readUInt16LE(1), sqlState: p.toString('latin1', 4, 9), message: p.toString('utf8', 9) };
}
