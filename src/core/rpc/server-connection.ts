import type { Socket } from 'node:net';
import { VtError } from '../errors/index.js';
import type { Logger } from '../env/logger.js';
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
import type { CallContext, MethodEntry } from './handler.js';
import { encodeWireError } from './wire-error.js';

export interface ServerConnectionDeps {
  readonly methods: ReadonlyMap<string, MethodEntry>;
  readonly codecs: ReadonlyMap<number, Codec>;
  readonly logger: Logger;
  readonly maxFrameSize: number;
  /** A connection that has not sent its preface within this time is closed. */
  readonly handshakeTimeoutMs: number;
  readonly onClosed: (c: ServerConnection) => void;
  /** Enforces call deadlines; shared by the server's connections. */
  readonly deadlines: DeadlineSweeper;
}

/**
 * One in-flight call. Its AbortSignal is created only when the handler reads `ctx.signal`: creating one costs ~2 µs
 * in Node 20, more than the rest of a cheap call's bookkeeping, and most unary handlers finish without needing it.
 * A far deadline is enforced by the server's DeadlineSweeper (one timer for all calls), a near one by a timer.
 */
class ActiveCall implements Expirable {
  controller: AbortController | undefined = undefined;
  /** Set once when the call is aborted (cancel, deadline, connection loss, shutdown); the signal's reason. */
  abortReason: VtError | undefined = undefined;
  /** Stream items the client has room for (flow control); unused for unary calls. */
  credits: number;
  creditWaiter: (() => void) | undefined = undefined;
  /** 0 = no deadline, or a near one enforced by `timer`. */
  deadline = 0;
  timer: NodeJS.Timeout | undefined = undefined;
  prev: Expirable | undefined = undefined;
  next: Expirable | undefined = undefined;

  constructor(
    readonly id: number,
    readonly method: string,
    readonly timeoutMs: number,
    window: number,
    private readonly onExpire: (call: ActiveCall) => void,
  ) {
    this.credits = window;
  }

  expire(): void {
    this.onExpire(this);
  }
}

const REQUEST_PREFIX = 10;
/** Deadlines at least this far use the shared sweeper (within its resolution); nearer ones their own timer. */
const SWEEP_MIN_MS = 1000;

/** A call's context; a class so that the lazy `signal` getter is on the prototype (an object literal with an
 * accessor is much slower to create). */
class CallCtx implements CallContext {
  constructor(
    private readonly call: ActiveCall,
    readonly peer: string,
    readonly method: string,
  ) {}

  get signal(): AbortSignal {
    return callSignal(this.call);
  }
}

/** The call's signal, created on first use; already aborted (with the reason) when the call was aborted before. */
function callSignal(call: ActiveCall): AbortSignal {
  if (call.controller === undefined) {
    call.controller = new AbortController();
    if (call.abortReason !== undefined) call.controller.abort(call.abortReason);
  }
  return call.controller.signal;
}

/**
 * The server side of one accepted connection: decodes requests, runs handlers concurrently, sends replies.
 * Every call ends with exactly one terminal frame (Response, StreamEnd or Error) unless the client cancelled
 * it or the connection is gone, in which case nothing more is sent for it.
 */
export class ServerConnection {
  private readonly conn: FrameConnection;
  private readonly calls = new Map<number, ActiveCall>();
  private codec: Codec | undefined;
  private handshakeTimer: NodeJS.Timeout | undefined;
  private lastMethod = '';
  readonly peer: string;

  constructor(
    socket: Socket,
    private readonly deps: ServerConnectionDeps,
  ) {
    this.peer = `${socket.remoteAddress}:${socket.remotePort}`;
    this.conn = new FrameConnection(
      socket,
      {
        onPreface: (p) => this.onPreface(p),
        onFrame: (f) => this.onFrame(f),
        onClose: () => this.onClose(),
        onProtocolError: (err, rejected) => {
          // Tell the caller why its request was refused before the connection goes.
          if (rejected?.type === FrameType.Request)
            this.conn.send(FrameType.Error, rejected.id, 0, encodeWireError(err));
        },
      },
      { maxFrameSize: deps.maxFrameSize, logger: deps.logger, peer: this.peer },
    );
    this.handshakeTimer = setTimeout(() => {
      deps.logger.warn({ peer: this.peer }, 'rpc: closing connection that sent no preface');
      this.conn.destroy();
    }, deps.handshakeTimeoutMs);
  }

  /** Server shutdown: fails in-flight calls with UNAVAILABLE, aborts their handlers, closes after flushing. */
  shutdown(): void {
    const err = new VtError('UNAVAILABLE', 'rpc: server is shutting down');
    for (const id of [...this.calls.keys()]) {
      this.conn.send(FrameType.Error, id, 0, encodeWireError(err));
      this.abortCall(id, err);
    }
    this.conn.end();
  }

  private onPreface(p: Buffer): void {
    clearTimeout(this.handshakeTimer);
    const id = decodePreface(p);
    const codec = this.deps.codecs.get(id);
    if (codec === undefined) {
      this.conn.queue(encodePreface(0));
      throw new VtError('UNAVAILABLE', `rpc: client asked for unsupported codec id ${id}`);
    }
    this.codec = codec;
    this.conn.queue(encodePreface(id));
  }

  private onFrame(f: Frame): void {
    switch (f.type) {
      case FrameType.Request:
        return this.onRequest(f.id, f.flags, f.payload);
      case FrameType.Cancel:
        return this.abortCall(
          f.id,
          f.flags & FLAG_CANCEL_DEADLINE
            ? new VtError('DEADLINE_EXCEEDED', "rpc: the caller's deadline passed")
            : new VtError('CANCELED', 'rpc: call cancelled by the client'),
        );
      case FrameType.Credit: {
        const call = this.calls.get(f.id);
        if (call === undefined || f.payload.length !== 4) return;
        call.credits += f.payload.readUInt32BE(0);
        this.wake(call);
        return;
      }
      default:
        throw new VtError('INVALID_ARGUMENT', `rpc: unexpected frame type ${f.type} from a client`);
    }
  }

  private onRequest(id: number, flags: number, p: Buffer): void {
    const codec = this.codec!;
    if (this.calls.has(id)) throw new VtError('INVALID_ARGUMENT', `rpc: request id ${id} is already in use`);
    if (p.length < REQUEST_PREFIX || p.length < REQUEST_PREFIX + p.readUInt16BE(8)) {
      throw new VtError('INVALID_ARGUMENT', 'rpc: truncated request header');
    }
    const timeoutMs = p.readUInt32BE(0);
    const window = p.readUInt32BE(4);
    const end = REQUEST_PREFIX + p.readUInt16BE(8);
    const method = this.methodName(p, end);
    const entry = this.deps.methods.get(method);
    if (entry === undefined) return this.sendError(id, new VtError('UNIMPLEMENTED', `rpc: unknown method "${method}"`));
    const wantStream = (flags & FLAG_STREAM) !== 0;
    if ((entry.kind === 'stream') !== wantStream) {
      const how = entry.kind === 'stream' ? 'a streaming method: use stream()' : 'a unary method: use call()';
      return this.sendError(id, new VtError('UNIMPLEMENTED', `rpc: "${method}" is ${how}`));
    }
    let req: unknown;
    try {
      req = codec.decode(p.subarray(end));
    } catch (err) {
      return this.sendError(id, VtError.from(err, 'INVALID_ARGUMENT'));
    }
    const call = new ActiveCall(id, method, timeoutMs, window, this.expireCall);
    this.calls.set(id, call);
    if (timeoutMs >= SWEEP_MIN_MS) {
      call.deadline = Date.now() + Math.min(timeoutMs, MAX_TIMEOUT_MS);
      this.deps.deadlines.add(call);
    } else if (timeoutMs > 0) {
      // Near deadlines keep an exact timer: the sweeper could let them overrun by its resolution.
      call.timer = setTimeout(() => call.expire(), timeoutMs);
    }
    const ctx = new CallCtx(call, this.peer, method);
    if (entry.kind === 'unary') void this.runUnary(id, call, entry.handler, req, ctx);
    else void this.runStream(id, call, entry.handler, req, ctx);
  }

  private async runUnary(
    id: number,
    call: ActiveCall,
    handler: (req: unknown, ctx: CallContext) => unknown,
    req: unknown,
    ctx: CallContext,
  ): Promise<void> {
    try {
      const res = await handler(req, ctx);
      if (this.calls.get(id) === call) this.sendValue(id, FrameType.Response, res);
    } catch (err) {
      this.logUnexpected(ctx, err);
      if (this.calls.get(id) === call) this.sendError(id, err);
    } finally {
      this.release(id, call);
    }
  }

  private async runStream(
    id: number,
    call: ActiveCall,
    handler: (req: unknown, ctx: CallContext) => AsyncIterable<unknown>,
    req: unknown,
    ctx: CallContext,
  ): Promise<void> {
    let it: AsyncIterator<unknown> | undefined;
    let finished = false;
    try {
      it = handler(req, ctx)[Symbol.asyncIterator]();
      for (;;) {
        while (call.credits <= 0 && call.abortReason === undefined)
          await new Promise<void>((r) => (call.creditWaiter = r));
        if (call.abortReason !== undefined) break;
        const r = await it.next();
        if (r.done) {
          finished = true;
          if (call.abortReason === undefined) this.conn.send(FrameType.StreamEnd, id, 0);
          break;
        }
        if (call.abortReason !== undefined) break;
        if (!this.sendValue(id, FrameType.StreamItem, r.value)) break;
        call.credits--;
        if (this.conn.congested) await this.conn.writable();
      }
    } catch (err) {
      finished = true;
      this.logUnexpected(ctx, err);
      if (call.abortReason === undefined) this.sendError(id, err);
    } finally {
      this.release(id, call);
      // Run the generator's finally blocks when we stopped pulling early (cancel, encode failure, conn loss).
      if (!finished && it?.return !== undefined) {
        try {
          await it.return();
        } catch {
          // The call is over; nobody to report to.
        }
      }
    }
  }

  /** The request's method name; a client repeating the previous one gets the same string without decoding. */
  private methodName(p: Buffer, end: number): string {
    const last = this.lastMethod;
    if (last.length === end - REQUEST_PREFIX) {
      let i = 0;
      // ASCII only: a byte >= 0x80 is never taken as equal to a character.
      while (i < last.length && p[REQUEST_PREFIX + i]! < 0x80 && last.charCodeAt(i) === p[REQUEST_PREFIX + i]) i++;
      if (i === last.length) return last;
    }
    const method = p.toString('utf8', REQUEST_PREFIX, end);
    this.lastMethod = method;
    return method;
  }

  /** Encodes and sends a reply value; on failure sends an Error frame instead and returns false. */
  private sendValue(id: number, type: FrameType, value: unknown): boolean {
    const codec = this.codec!;
    // With encodeAfter the header goes in front of the payload in the same Buffer (one Buffer per frame).
    const reserve = codec.encodeAfter === undefined ? 0 : HEADER_SIZE;
    let frame: Buffer;
    try {
      frame = reserve === 0 ? codec.encode(value) : codec.encodeAfter!(reserve, value);
    } catch (err) {
      this.sendError(id, VtError.from(err, 'INTERNAL'));
      return false;
    }
    const size = frame.length - reserve;
    if (size > this.deps.maxFrameSize) {
      this.sendError(
        id,
        new VtError(
          'RESOURCE_EXHAUSTED',
          `rpc: reply of ${size} bytes exceeds the maximum frame size of ${this.deps.maxFrameSize} bytes`,
        ),
      );
      return false;
    }
    if (reserve === 0) this.conn.send(type, id, 0, frame);
    else this.conn.sendFramed(type, id, 0, frame);
    return true;
  }

  /** VtErrors are expected outcomes; anything else is a handler bug whose stack would be lost on the wire. */
  private logUnexpected(ctx: CallContext, err: unknown): void {
    if (err instanceof VtError) return;
    this.deps.logger.warn(
      { method: ctx.method, peer: ctx.peer, err: err instanceof Error ? (err.stack ?? err.message) : String(err) },
      'rpc: handler failed with a non-VtError',
    );
  }

  private sendError(id: number, err: unknown): void {
    this.conn.send(FrameType.Error, id, 0, encodeWireError(err));
  }

  private readonly expireCall = (call: ActiveCall): void =>
    this.abortCall(
      call.id,
      new VtError('DEADLINE_EXCEEDED', `rpc: ${call.method}: deadline of ${call.timeoutMs} ms exceeded`),
    );

  private abortCall(id: number, reason: VtError): void {
    const call = this.calls.get(id);
    if (call === undefined) return;
    this.release(id, call);
    call.abortReason = reason;
    call.controller?.abort(reason);
    this.wake(call);
  }

  private release(id: number, call: ActiveCall): void {
    if (this.calls.get(id) === call) this.calls.delete(id);
    if (call.deadline !== 0) this.deps.deadlines.remove(call);
    if (call.timer !== undefined) clearTimeout(call.timer);
  }

  private wake(call: ActiveCall): void {
    const w = call.creditWaiter;
    call.creditWaiter = undefined;
    w?.();
  }

  private onClose(): void {
    clearTimeout(this.handshakeTimer);
    const err = new VtError('UNAVAILABLE', `rpc: connection from ${this.peer} closed`);
    for (const id of [...this.calls.keys()]) this.abortCall(id, err);
    this.deps.onClosed(this);
  }
}
