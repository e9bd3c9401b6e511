import { createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createSecureContext, type SecureContext } from 'node:tls';
import type { Logger } from '../env/logger.js';
import { Err } from '../errors/index.js';
import { lazyRsaKey, type AuthContext } from './auth-exchange.js';
import type { AuthServer } from './auth-server.js';
import { Cap } from './constants.js';
import type { Handler, ServerConnection } from './handler.js';
import { MysqlConnection, type ConnectionConfig } from './mysql-connection.js';

export interface MysqlServerOptions {
  readonly handler: Handler;
  readonly authServer: AuthServer;
  /** Version string of the handshake, e.g. '8.0.40-vt' or '10.11.6-MariaDB-vt'. */
  readonly serverVersion: string;
  /** PEM certificate chain and key; enables SSLRequest upgrades (CLIENT_SSL is offered only then). */
  readonly tls?: { readonly cert: string | Buffer; readonly key: string | Buffer };
  /** Refuse logins over plain TCP with ERR 3159. */
  readonly requireSecureTransport?: boolean;
  /** Largest logical packet accepted from a client (default 64 MiB); larger ones get ERR 1153 and a close. */
  readonly maxAllowedPacket?: number;
  /** Connections that have not finished logging in after this long are dropped (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /** A packet started but not finished within this time closes the connection with ERR 1159 (default 30 s). */
  readonly netReadTimeoutMs?: number;
  readonly logger: Logger;
}

/** What the server offers; each connection uses the intersection with the client's flags. */
const BASE_CAPABILITIES =
  Cap.LONG_PASSWORD |
  Cap.FOUND_ROWS |
  Cap.LONG_FLAG |
  Cap.CONNECT_WITH_DB |
  Cap.PROTOCOL_41 |
  Cap.TRANSACTIONS |
  Cap.SECURE_CONNECTION |
  Cap.MULTI_STATEMENTS |
  Cap.MULTI_RESULTS |
  Cap.PS_MULTI_RESULTS |
  Cap.PLUGIN_AUTH |
  Cap.CONNECT_ATTRS |
  Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA |
  Cap.SESSION_TRACK |
  Cap.DEPRECATE_EOF;

/**
 * A MySQL-protocol listener. Each accepted socket becomes a MysqlConnection talking to `handler`; a failing
 * connection never affects the others. Connection ids start at 1 and increase.
 */
export class MysqlServer {
  private readonly server: Server;
  private readonly config: ConnectionConfig;
  private readonly connections = new Map<number, MysqlConnection>();
  private readonly running = new Set<Promise<void>>();
  private readonly extraListeners: Server[] = [];
  private nextId = 1;
  private closing = false;

  constructor(opts: MysqlServerOptions) {
    if (opts.requireSecureTransport && !opts.tls) {
      throw Err.invalidArgument('requireSecureTransport needs a TLS certificate and key');
    }
    let tlsContext: SecureContext | undefined;
    if (opts.tls) {
      try {
        tlsContext = createSecureContext({ cert: opts.tls.cert, key: opts.tls.key });
      } catch (e) {
        throw Err.invalidArgument(`invalid TLS certificate or key: ${(e as Error).message}`);
      }
    }
    const auth: AuthContext = { authServer: opts.authServer, sha2Cache: new Map(), rsaKey: lazyRsaKey() };
    this.config = {
      handler: opts.handler,
      auth,
      serverVersion: opts.serverVersion,
      capabilities: BASE_CAPABILITIES | (tlsContext ? Cap.SSL : 0),
      tlsContext,
      requireSecureTransport: opts.requireSecureTransport ?? false,
      maxAllowedPacket: opts.maxAllowedPacket ?? 64 * 1024 * 1024,
      handshakeTimeoutMs: opts.handshakeTimeoutMs ?? 10_000,
      netReadTimeoutMs: opts.netReadTimeoutMs ?? 30_000,
      logger: opts.logger,
    };
    this.server = createServer((s) => this.accept(s));
    this.server.on('error', (e) => opts.logger.error({ err: e.message }, 'mysql listener error'));
  }

  /** Number of open client connections (including ones still logging in). */
  get connectionCount(): number {
    return this.connections.size;
  }

  /** An open connection by id (CONNECTION_ID()), e.g. for SHOW PROCESSLIST or KILL. */
  connection(id: number): ServerConnection | undefined {
    return this.connections.get(id);
  }

  /** KILL QUERY <id>: aborts the connection's running query (its handler sees the signal). */
  killQuery(id: number): boolean {
    return this.connections.get(id)?.killQuery() ?? false;
  }

  /**
   * KILL <id>: closes the connection; its running query is aborted and the handler's connectionClosed
   * runs once the query has stopped.
   */
  killConnection(id: number): boolean {
    const c = this.connections.get(id);
    if (c === undefined) return false;
    c.destroy();
    return true;
  }

  listen(port: number, host = '127.0.0.1'): Promise<AddressInfo> {
    return new Promise((resolve, reject) => {
      const onError = (e: Error): void => reject(Err.unavailable(`cannot listen on ${host}:${port}: ${e.message}`));
      this.server.once('error', onError);
      this.server.listen(port, host, () => {
        this.server.off('error', onError);
        resolve(this.server.address() as AddressInfo);
      });
    });
  }

  /**
   * Listens on a Unix socket as well (Vitess's --mysql_server_socket_path). Clients there count as secure
   * transport (as in MySQL) and their host is 'localhost'. Call before or after listen(); one path per server.
   */
  listenSocket(path: string): Promise<void> {
    const s = createServer((sock) => this.accept(sock));
    this.extraListeners.push(s);
    return new Promise((resolve, reject) => {
      s.once('error', (e) => reject(Err.unavailable(`cannot listen on ${path}: ${e.message}`)));
      s.listen(path, () => resolve());
    });
  }

  /**
   * Stops accepting, closes every connection and waits until each has run its connectionClosed. With `drainMs`,
   * idle connections close at once and the others after the command they are answering, for at most that long;
   * whatever is still running then is cut off.
   */
  async close(drainMs = 0): Promise<void> {
    this.closing = true;
    const stopped = Promise.all(
      [this.server, ...this.extraListeners].map((s) => new Promise<void>((res) => s.close(() => res()))),
    );
    if (drainMs > 0 && this.connections.size > 0) {
      for (const c of this.connections.values()) c.closeWhenIdle();
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all([...this.running]),
        new Promise<void>((res) => (timer = setTimeout(res, drainMs))),
      ]);
      clearTimeout(timer);
    }
    for (const c of this.connections.values()) c.destroy();
    await Promise.all([...this.running]);
    await stopped;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const id = this.nextId;
    this.nextId = this.nextId >= 0xffffffff ? 1 : this.nextId + 1;
    const conn = new MysqlConnection(socket, id, this.config);
    this.connections.set(id, conn);
    const done = conn
      .run()
      .catch((e: unknown) => this.config.logger.error({ conn: id, err: String(e) }, 'connection teardown failed'))
      .finally(() => {
        this.connections.delete(id);
        this.running.delete(done);
      });
    this.running.add(done);
  }
}
