import * as net from 'node:net';
import * as tls from 'node:tls';
import { VtError } from '../errors/index.js';
import type { Env } from '../env/env.js';
import { BinaryCodec } from './binary-codec.js';
import type { Codec } from './codec.js';
import { DEFAULT_MAX_FRAME_SIZE } from './frame.js';
import type { MethodEntry, RpcRegistry, StreamHandler, UnaryHandler } from './handler.js';
import { DeadlineSweeper } from './deadline-sweeper.js';
import { JsonCodec } from './json-codec.js';
import { ServerConnection } from './server-connection.js';
import type { RpcServerTlsOptions } from './tls-options.js';

export interface RpcServerOptions {
  /** Codecs clients may choose; default binary and JSON. */
  readonly codecs?: readonly Codec[];
  /** Largest frame accepted or sent; default 64 MiB. A larger inbound frame closes its connection. */
  readonly maxFrameSize?: number;
  /** A connection must send its 8-byte preface within this time or is closed; default 10 s. */
  readonly handshakeTimeoutMs?: number;
  /** Serve TLS instead of plain TCP. */
  readonly tls?: RpcServerTlsOptions;
}

/**
 * Serves registered methods ("service.Method") to RpcClients. Handlers of one connection run concurrently;
 * a misbehaving connection (garbage, oversized frame) is logged and closed without affecting the others.
 */
export class RpcServer implements RpcRegistry {
  private readonly methods = new Map<string, MethodEntry>();
  private readonly codecs: ReadonlyMap<number, Codec>;
  private readonly connections = new Set<ServerConnection>();
  private readonly deadlines = new DeadlineSweeper();
  private readonly maxFrameSize: number;
  private server: net.Server | undefined;

  constructor(
    private readonly env: Env,
    private readonly opts: RpcServerOptions = {},
  ) {
    this.codecs = new Map((opts.codecs ?? [new BinaryCodec(), new JsonCodec()]).map((c) => [c.id, c]));
    this.maxFrameSize = opts.maxFrameSize ?? DEFAULT_MAX_FRAME_SIZE;
  }

  /** Registers a unary method. Throws ALREADY_EXISTS when the name is taken. May be called while serving. */
  register<Req, Res>(method: string, handler: UnaryHandler<Req, Res>): void {
    this.add(method, { kind: 'unary', handler: handler as UnaryHandler<unknown, unknown> });
  }

  /** Registers a server-streaming method. Throws ALREADY_EXISTS when the name is taken. */
  registerStream<Req, Item>(method: string, handler: StreamHandler<Req, Item>): void {
    this.add(method, { kind: 'stream', handler: handler as StreamHandler<unknown, unknown> });
  }

  /** Starts accepting; port 0 picks a free port. Resolves to the bound address. Fails UNAVAILABLE if it cannot bind. */
  listen(port: number, host: string): Promise<{ readonly host: string; readonly port: number }> {
    if (this.server !== undefined)
      return Promise.reject(new VtError('FAILED_PRECONDITION', 'rpc: server already listening'));
    const onSocket = (socket: net.Socket): void => {
      const c = new ServerConnection(socket, {
        methods: this.methods,
        codecs: this.codecs,
        logger: this.env.logger,
        maxFrameSize: this.maxFrameSize,
        handshakeTimeoutMs: this.opts.handshakeTimeoutMs ?? 10_000,
        onClosed: (sc) => this.connections.delete(sc),
        deadlines: this.deadlines,
      });
      this.connections.add(c);
    };
    const t = this.opts.tls;
    const server =
      t === undefined
        ? net.createServer(onSocket)
        : tls
            .createServer(
              { cert: t.cert, key: t.key, ca: t.ca, requestCert: t.ca !== undefined, rejectUnauthorized: true },
              onSocket,
            )
            .on('tlsClientError', (err, socket) =>
              this.env.logger.warn(
                { peer: `${socket.remoteAddress}:${socket.remotePort}`, err: err.message },
                'rpc: TLS handshake failed',
              ),
            );
    this.server = server;
    return new Promise((resolve, reject) => {
      server.once('error', (err) =>
        reject(new VtError('UNAVAILABLE', `rpc: cannot listen on ${host}:${port}: ${err.message}`, { cause: err })),
      );
      server.listen(port, host, () => {
        const a = server.address() as net.AddressInfo;
        server.on('error', (err) => this.env.logger.error({ err: err.message }, 'rpc: server error'));
        resolve({ host: a.address, port: a.port });
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /**
   * Stops accepting, fails in-flight calls with UNAVAILABLE (their handlers' signals abort) and closes every
   * connection. Resolves when all are closed. Idempotent.
   */
  async close(): Promise<void> {
    const server = this.server;
    if (server === undefined) return;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const c of this.connections) c.shutdown();
    await closed;
    this.deadlines.close();
  }

  private add(method: string, entry: MethodEntry): void {
    if (this.methods.has(method)) throw new VtError('ALREADY_EXISTS', `rpc: method "${method}" is already registered`);
    this.methods.set(method, entry);
  }
}
