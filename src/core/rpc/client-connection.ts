import type { Socket } from 'node:net';
import { ErrNo, VtError } from '../errors/index.js';
import type { Logger } from '../env/logger.js';
import { ClientStream } from './client-stream.js';
import type { Codec } from './codec.js';
import type { DeadlineSweeper, Expirable } from './deadline-sweeper.js';
import { FrameConnection } from './frame-connection.js';
import {
  decodePreface,
  encodePreface,
  FLAG_STREAM,
  FrameType,
  HEADER_SIZE,
  MAX_TIMEOUT_MS,
  FLAG_CANCEL_DEADLINE,
  type Frame,
} from './frame.js';
import { decodeWireError } from './wire-error.js';

export interface ClientConnectionDeps {
  readonly codec: Codec;
  readonly maxFrameSize: number;
  readonly logger: Logger;
  /** "host:port" dialed, for error messages. */
  readonly addr: string;
  /** Enforces far call deadlines (one timer for all calls); without it each call has its own timer. */
  readonly deadlines?: DeadlineSweeper;
}

/** Per-call options after RpcClient resolved them. */
export interface ConnCallOptions {
  readonly signal?: AbortSignal | undefined;
  /** Absolute deadline (Date.now() clock). */
  readonly deadline?: number | undefined;
  readonly timeoutMs?: number | undefined;
  /** Stream credit window in items. */
  readonly window?: number | undefined;
}

interface Pending {
  onFrame(f: Frame): void;
  onClose(err: VtError): void;
}

/** What a UnaryCall needs of its connection. */
interface UnaryHooks {
  decode(b: Buffer): unknown;
  /** Drops the request id: later frames for it are ignored. */
  forget(id: number): void;
  /** Tells the server to stop the call; `deadline` when the call's deadline passed. */
  cancel(id: number, deadline: boolean): void;
  readonly addr: string;
  readonly deadlines: DeadlineSweeper | undefined;
}

/** Deadlines closer than this use their own timer (exact); later ones the shared sweeper (within its resolution). */
const SWEEP_MIN_MS = 1000;

/**
 * One unary call: settles exactly once, by its reply, connection loss (onClose), abort (this object is the
 * signal's listener) or deadline (the sweeper's entry, or a timer for near deadlines).
 */
class UnaryCall implements Pending, Expirable {
  deadline = 0;
  prev: Expirable | undefined = undefined;
  next: Expirable | undefined = undefined;
  private id = 0;
  private timer: NodeJS.Timeout | undefined = undefined;

  constructor(
    private readonly hooks: UnaryHooks,
    private readonly method: string,
    private readonly opts: ConnCallOptions,
    private readonly resolve: (v: unknown) => void,
    private readonly reject: (e: VtError) => void,
  ) {}

  /** Arms the abort signal and deadline once the request is sent as `id`. */
  arm(id: number): void {
    this.id = id;
    const { signal, deadline } = this.opts;
    if (signal?.aborted) return this.handleEvent();
    signal?.addEventListener('abort', this, { once: true });
    if (deadline === undefined) return;
    const left = deadline - Date.now();
    const sweeper = this.hooks.deadlines;
    if (sweeper !== undefined && left >= SWEEP_MIN_MS) {
      this.deadline = deadline;
      sweeper.add(this);
    } else {
      this.timer = setTimeout(() => this.expire(), Math.max(0, left));
    }
  }

  onFrame(f: Frame): void {
    this.done();
    if (f.type === FrameType.Response) {
      let v: unknown;
      try {
        v = this.hooks.decode(f.payload);
      } catch (err) {
        return this.reject(VtError.from(err, 'INTERNAL'));
      }
      this.resolve(v);
    } else if (f.type === FrameType.Error) {
      this.reject(decodeWireError(f.payload));
    } else {
      this.reject(new VtError('INTERNAL', `rpc: ${this.method}: unexpected frame type ${f.type} for a unary call`));
    }
  }

  onClose(err: VtError): void {
    this.done();
    this.reject(err);
  }

  /** The abort signal's listener. */
  handleEvent(): void {
    this.fail(cancelledError(this.opts.signal!, this.method, this.hooks.addr), false);
  }

  /** The deadline passed. */
  expire(): void {
    this.fail(deadlineError(this.method, this.hooks.addr, this.opts.timeoutMs), true);
  }

  private fail(err: VtError, deadline: boolean): void {
    this.done();
    this.hooks.cancel(this.id, deadline);
    this.reject(err);
  }

  /** Disarms the signal and deadline and forgets the request id. */
  private done(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.deadline !== 0) this.hooks.deadlines?.remove(this);
    this.opts.signal?.removeEventListener('abort', this);
    this.hooks.forget(this.id);
  }
}

/**
 * The client side of one connection: assigns request ids, sends requests, routes replies to their calls.
 * Every call settles exactly once: reply, error frame, deadline, abort, or connection loss (UNAVAILABLE).
 */
export class ClientConnection {
  private readonly conn: FrameConnection;
  private readonly calls = new Map<number, Pending>();
  private readonly methodPrefixes = new Map<string, Buffer>();
  private nextId = 0;
  private closeError: VtError | undefined;
  private readonly unaryHooks: UnaryHooks;

  constructor(
    socket: Socket,
    private readonly deps: ClientConnectionDeps,
  ) {
    this.conn = new FrameConnection(
      socket,
      {
        onPreface: (p) => this.onPreface(p),
        onFrame: (f) => {
          // Replies to calls that were cancelled or timed out are dropped.
          this.calls.get(f.id)?.onFrame(f);
        },
        onClose: (err) => this.onClose(err),
        onProtocolError: (err, rejected) => {
          // A reply over our frame limit fails its own call with the precise error; the rest get UNAVAILABLE.
          const p = rejected === undefined ? undefined : this.calls.get(rejected.id);
          if (p === undefined) return;
          this.calls.delete(rejected!.id);
          p.onClose(err);
        },
      },
      { maxFrameSize: deps.maxFrameSize, logger: deps.logger, peer: deps.addr },
    );
    this.unaryHooks = {
      decode: (b) => deps.codec.decode(b),
      forget: (id) => this.calls.delete(id),
      cancel: (id, deadline) => this.conn.send(FrameType.Cancel, id, deadline ? FLAG_CANCEL_DEADLINE : 0),
      addr: deps.addr,
      deadlines: deps.deadlines,
    };
    this.conn.queue(encodePreface(deps.codec.id));
  }

  get closed(): boolean {
    return this.conn.closed;
  }

  get inFlight(): number {
    return this.calls.size;
  }

  call(method: string, req: unknown, opts: ConnCallOptions): Promise<unknown> {
    // One object per call with prototype methods (reply, close, abort listener, deadline): the gate makes one of
    // these per routed query, so closures and a timer per call were a visible share of its CPU.
    return new Promise((resolve, reject) => {
      const call = new UnaryCall(this.unaryHooks, method, opts, resolve, reject);
      const id = this.start(method, req, opts, 0, call);
      if (typeof id !== 'number') return reject(id);
      call.arm(id);
    });
  }

  /** Opens a server stream now; items arrive through the returned ClientStream. */
  openStream(method: string, req: unknown, opts: ConnCallOptions): ClientStream {
    const window = Math.min(0xffffffff, Math.max(1, Math.floor(opts.window ?? 64) || 1));
    let id = 0;
    const stream = new ClientStream(
      window,
      (n) => {
        const b = Buffer.allocUnsafe(4);
        b.writeUInt32BE(n, 0);
        this.conn.send(FrameType.Credit, id, 0, b);
      },
      () => {
        done();
        this.conn.send(FrameType.Cancel, id, 0);
      },
    );
    const started = this.start(method, req, { ...opts, window }, FLAG_STREAM, {
      onFrame: (f) => {
        if (f.type === FrameType.StreamItem) {
          let item: unknown;
          try {
            item = this.deps.codec.decode(f.payload);
          } catch (err) {
            return stream.cancel(VtError.from(err, 'INTERNAL'));
          }
          return stream.push(item);
        }
        done();
        if (f.type === FrameType.StreamEnd) stream.end();
        else if (f.type === FrameType.Error) stream.fail(decodeWireError(f.payload));
        else stream.fail(new VtError('INTERNAL', `rpc: ${method}: unexpected frame type ${f.type} for a stream`));
      },
      onClose: (err) => {
        done();
        stream.fail(err);
      },
    });
    if (typeof started !== 'number') {
      stream.fail(started);
      return stream;
    }
    id = started;
    const done = this.guard(id, method, opts, (err) => stream.cancel(err));
    return stream;
  }

  /** Encodes and queues the request; returns its id, or the error that prevented sending it. */
  private start(
    method: string,
    req: unknown,
    opts: ConnCallOptions,
    flags: number,
    pending: Pending,
  ): number | VtError {
    if (opts.signal?.aborted) return cancelledError(opts.signal, method, this.deps.addr);
    if (this.closeError !== undefined || this.conn.closed) {
      return this.closeError ?? new VtError('UNAVAILABLE', `rpc: connection to ${this.deps.addr} is closed`);
    }
    const codec = this.deps.codec;
    let prefix = this.methodPrefixes.get(method);
    if (prefix === undefined) {
      const m = Buffer.from(method, 'utf8');
      if (m.length > 0xffff) {
        // An unencodable request is reported first, as it always was.
        try {
          codec.encode(req);
        } catch (err) {
          return VtError.from(err, 'INVALID_ARGUMENT');
        }
        return new VtError('INVALID_ARGUMENT', 'rpc: method name too long');
      }
      prefix = Buffer.alloc(10 + m.length);
      prefix.writeUInt16BE(m.length, 8);
      m.copy(prefix, 10);
      this.methodPrefixes.set(method, prefix);
    }
    // The frame header and the request prefix go in front of the encoded request in one Buffer when the codec
    // can reserve room (encodeAfter); else they are separate Buffers.
    const reserve = codec.encodeAfter === undefined ? 0 : HEADER_SIZE + prefix.length;
    let body: Buffer;
    try {
      body = reserve === 0 ? codec.encode(req) : codec.encodeAfter!(reserve, req);
    } catch (err) {
      return VtError.from(err, 'INVALID_ARGUMENT');
    }
    const size = reserve === 0 ? prefix.length + body.length : body.length - HEADER_SIZE;
    if (size > this.deps.maxFrameSize) {
      return new VtError(
        'RESOURCE_EXHAUSTED',
        `rpc: ${method} request of ${size} bytes exceeds the maximum frame size of ${this.deps.maxFrameSize} bytes`,
        { errno: ErrNo.ER_NET_PACKET_TOO_LARGE, sqlState: '08S01' },
      );
    }
    const header = reserve === 0 ? Buffer.from(prefix) : body.subarray(HEADER_SIZE, reserve);
    if (reserve !== 0) prefix.copy(header, 0);
    const timeout = opts.deadline === undefined ? 0 : Math.max(1, Math.ceil(opts.deadline - Date.now()));
    header.writeUInt32BE(Math.min(timeout, MAX_TIMEOUT_MS), 0);
    header.writeUInt32BE(flags & FLAG_STREAM ? (opts.window ?? 0) : 0, 4);
    const id = this.allocId();
    this.calls.set(id, pending);
    if (reserve === 0) this.conn.send(FrameType.Request, id, flags, header, body);
    else this.conn.sendFramed(FrameType.Request, id, flags, body);
    return id;
  }

  /**
   * Arms the call's deadline and abort signal; `expire` runs (once) if either fires first. Returns `done`,
   * which the call invokes when it settles normally, disarming both and forgetting the request id.
   */
  private guard(id: number, method: string, opts: ConnCallOptions, expire: (err: VtError) => void): () => void {
    let timer: NodeJS.Timeout | undefined;
    const signal = opts.signal;
    const onAbort = (): void => {
      done();
      expire(cancelledError(signal!, method, this.deps.addr));
    };
    const done = (): void => {
      if (timer !== undefined) clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
      this.calls.delete(id);
    };
    if (signal?.aborted) {
      onAbort();
      return done;
    }
    signal?.addEventListener('abort', onAbort, { once: true });
    if (opts.deadline !== undefined) {
      timer = setTimeout(
        () => {
          done();
          expire(deadlineError(method, this.deps.addr, opts.timeoutMs));
        },
        Math.max(0, opts.deadline - Date.now()),
      );
    }
    return done;
  }

  /** Fails in-flight calls with UNAVAILABLE now, then closes the socket after flushing queued frames. */
  close(): void {
    this.failAll(new VtError('UNAVAILABLE', `rpc: client for ${this.deps.addr} closed`));
    this.conn.end();
  }

  private allocId(): number {
    do this.nextId = (this.nextId + 1) >>> 0;
    while (this.nextId === 0 || this.calls.has(this.nextId));
    return this.nextId;
  }

  private onPreface(p: Buffer): void {
    const id = decodePreface(p);
    if (id !== this.deps.codec.id) {
      throw new VtError('UNAVAILABLE', `server does not support the "${this.deps.codec.name}" codec`);
    }
  }

  private onClose(err: VtError | undefined): void {
    this.closeError ??= new VtError(
      'UNAVAILABLE',
      err === undefined
        ? `rpc: connection to ${this.deps.addr} closed`
        : `rpc: connection to ${this.deps.addr} lost: ${err.message}`,
    );
    this.failAll(this.closeError);
  }

  private failAll(err: VtError): void {
    this.closeError ??= err;
    const pending = [...this.calls.values()];
    this.calls.clear();
    for (const p of pending) p.onClose(err);
  }
}

export function deadlineError(method: string, addr: string, timeoutMs: number | undefined): VtError {
  return new VtError('DEADLINE_EXCEEDED', `rpc: ${method} to ${addr}: deadline of ${timeoutMs ?? 0} ms exceeded`, {
    errno: ErrNo.ER_QUERY_INTERRUPTED,
    sqlState: '70100',
  });
}

/** The abort reason when it is a VtError (callers may pass their own), else CANCELED. */
export function cancelledError(signal: AbortSignal, method: string, addr: string): VtError {
  if (signal.reason instanceof VtError) return signal.reason;
  return new VtError('CANCELED', `rpc: ${method} to ${addr}: cancelled`, {
    errno: ErrNo.ER_QUERY_INTERRUPTED,
    sqlState: '70100',
  });
}
