import * as net from 'node:net';
import * as tls from 'node:tls';
import { VtError } from '../errors/index.js';
import type { Env } from '../env/env.js';
import { BinaryCodec } from './binary-codec.js';
import { cancelledError, ClientConnection, deadlineError, type ConnCallOptions } from './client-connection.js';
import type { Codec } from './codec.js';
import { DeadlineSweeper } from './deadline-sweeper.js';
import { DEFAULT_MAX_FRAME_SIZE, MAX_TIMEOUT_MS } from './frame.js';
import type { RpcClientTlsOptions } from './tls-options.js';

export interface RpcClientOptions {
  readonly host: string;
  readonly port: number;
  /** Payload codec; default BinaryCodec. The server must support it (vt servers support binary and JSON). */
  readonly codec?: Codec;
  /** Largest frame sent or accepted; default 64 MiB. */
  readonly maxFrameSize?: number;
  /** Connect (TCP + TLS handshake) timeout; default 5 s. */
  readonly connectTimeoutMs?: number;
  /** After a failed connect, calls fail fast for this long, doubling per failure up to maxBackoffMs. Default 50 ms. */
  readonly backoffMs?: number;
  readonly maxBackoffMs?: number;
  readonly tls?: RpcClientTlsOptions;
}

export interface CallOptions {
  /** Aborting cancels the call on the server too. A VtError abort reason is what the call rejects with. */
  readonly signal?: AbortSignal;
  /** Deadline for the whole call (connect included; for a stream, until its last item). */
  readonly timeoutMs?: number;
}

export interface StreamOptions extends CallOptions {
  /** Items the server may send ahead of the consumer; default 64. */
  readonly window?: number;
}

/** What callers of a remote service need; RpcClient implements it. */
export interface RpcCaller {
  call<Req, Res>(method: string, req: Req, opts?: CallOptions): Promise<Res>;
  stream<Req, Item>(method: string, req: Req, opts?: StreamOptions): AsyncIterable<Item>;
}

/**
 * A multiplexed connection to one RpcServer ("host:port"). Connects lazily on the first call; after the
 * connection drops, the next call reconnects. After a failed connect, calls fail fast with UNAVAILABLE for a
 * short, growing backoff instead of hammering a dead tablet.
 *
 * Errors (all VtError): the server's own errors as thrown there; UNAVAILABLE with the address when the
 * server cannot be reached or the connection drops mid-call; DEADLINE_EXCEEDED (1317/70100) on timeoutMs;
 * CANCELED (1317/70100) or the signal's VtError reason on abort; RESOURCE_EXHAUSTED for oversized requests.
 */
export class RpcClient implements RpcCaller {
  readonly addr: string;
  private conn: ClientConnection | undefined;
  private connecting: Promise<ClientConnection> | undefined;
  private failure: { readonly at: number; readonly err: VtError } | undefined;
  private backoff = 0;
  private closed = false;
  private readonly deadlines = new DeadlineSweeper();

  constructor(
    private readonly env: Env,
    private readonly opts: RpcClientOptions,
  ) {
    this.addr = opts.host.includes(':') ? `[${opts.host}]:${opts.port}` : `${opts.host}:${opts.port}`;
  }

  call<Req, Res>(method: string, req: Req, opts: CallOptions = {}): Promise<Res> {
    const o = resolveOptions(opts);
    const c = this.conn;
    if (c !== undefined && !c.closed) return c.call(method, req, o) as Promise<Res>;
    return this.connected(method, o).then((conn) => conn.call(method, req, o) as Promise<Res>);
  }

  /**
   * A server stream. Nothing is sent until iteration starts; breaking out of the loop (or abort/deadline)
   * cancels the server handler. Errors are thrown from the loop.
   */
  stream<Req, Item>(method: string, req: Req, opts: StreamOptions = {}): AsyncIterable<Item> {
    return { [Symbol.asyncIterator]: () => this.runStream<Item>(method, req, opts) };
  }

  /** Closes the connection; in-flight calls fail UNAVAILABLE, later calls fail UNAVAILABLE. Idempotent. */
  close(): void {
    this.closed = true;
    this.conn?.close();
    this.conn = undefined;
  }

  private async *runStream<Item>(
    method: string,
    req: unknown,
    opts: StreamOptions,
  ): AsyncGenerator<Item, void, undefined> {
    const o: ConnCallOptions = { ...resolveOptions(opts), window: opts.window };
    const conn = await this.connected(method, o);
    const s = conn.openStream(method, req, o);
    try {
      for (;;) {
        const r = await s.next();
        if (r.done === true) return;
        yield r.value as Item;
      }
    } finally {
      s.cancel(new VtError('CANCELED', `rpc: ${method}: stream closed by the caller`));
    }
  }

  /** The live connection, dialing if needed; the wait honours the call's signal and deadline. */
  private connected(method: string, o: ConnCallOptions): Promise<ClientConnection> {
    if (this.closed) return Promise.reject(new VtError('UNAVAILABLE', `rpc: client for ${this.addr} is closed`));
    if (this.conn !== undefined && !this.conn.closed) return Promise.resolve(this.conn);
    if (this.connecting === undefined) {
      const f = this.failure;
      if (f !== undefined && Date.now() < f.at + this.backoff) {
        return Promise.reject(
          new VtError('UNAVAILABLE', `${f.err.message} (retrying after ${f.at + this.backoff - Date.now()} ms)`),
        );
      }
      this.connecting = this.dial().then(
        (c) => {
          this.connecting = undefined;
          this.failure = undefined;
          this.backoff = 0;
          if (this.closed) c.close();
          else this.conn = c;
          return c;
        },
        (err: VtError) => {
          this.connecting = undefined;
          this.failure = { at: Date.now(), err };
          this.backoff = Math.min(
            this.opts.maxBackoffMs ?? 2000,
            Math.max(this.opts.backoffMs ?? 50, this.backoff * 2),
          );
          throw err;
        },
      );
    }
    return raceCall(this.connecting, method, this.addr, o);
  }

  private dial(): Promise<ClientConnection> {
    const { host, port } = this.opts;
    const t = this.opts.tls;
    return new Promise((resolve, reject) => {
      const socket =
        t === undefined
          ? net.connect({ host, port })
          : tls.connect({
              host,
              port,
              ca: t.ca,
              cert: t.cert,
              key: t.key,
              servername: t.serverName ?? (net.isIP(host) ? undefined : host),
            });
      const timeoutMs = this.opts.connectTimeoutMs ?? 5000;
      const timer = setTimeout(() => {
        socket.destroy();
        reject(new VtError('UNAVAILABLE', `rpc: cannot connect to ${this.addr}: timed out after ${timeoutMs} ms`));
      }, timeoutMs);
      const onError = (err: Error): void => {
        clearTimeout(timer);
        reject(new VtError('UNAVAILABLE', `rpc: cannot connect to ${this.addr}: ${err.message}`, { cause: err }));
      };
      socket.once('error', onError);
      socket.once(t === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer);
        socket.removeListener('error', onError);
        resolve(
          new ClientConnection(socket, {
            codec: this.opts.codec ?? new BinaryCodec(),
            maxFrameSize: this.opts.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE,
            logger: this.env.logger,
            addr: this.addr,
            deadlines: this.deadlines,
          }),
        );
      });
    });
  }
}

/** A non-finite timeout means none; a negative one has already expired; huge ones are clamped. */
function resolveOptions(opts: CallOptions): ConnCallOptions {
  const t = opts.timeoutMs;
  if (t === undefined || !Number.isFinite(t)) return { signal: opts.signal };
  const timeoutMs = Math.min(MAX_TIMEOUT_MS, Math.max(0, t));
  return { signal: opts.signal, timeoutMs, deadline: Date.now() + timeoutMs };
}

/** `p`, unless the call's signal or deadline fires first. */
function raceCall<T>(p: Promise<T>, method: string, addr: string, o: ConnCallOptions): Promise<T> {
  const signal = o.signal;
  if (signal === undefined && o.deadline === undefined) return p;
  if (signal?.aborted) return Promise.reject(cancelledError(signal, method, addr));
  return new Promise<T>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const onAbort = (): void => settle(() => reject(cancelledError(signal!, method, addr)));
    const settle = (f: () => void): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      f();
    };
    signal?.addEventListener('abort', onAbort, { once: true });
    if (o.deadline !== undefined) {
      timer = setTimeout(
        () => settle(() => reject(deadlineError(method, addr, o.timeoutMs))),
        Math.max(0, o.deadline - Date.now()),
      );
    }
    p.then(
      (v) => settle(() => resolve(v)),
      (e: unknown) => settle(() => reject(e)),
    );
  });
}
