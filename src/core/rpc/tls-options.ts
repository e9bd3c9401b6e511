/** PEM-encoded TLS material for the RPC server (node:tls). */
export interface RpcServerTlsOptions {
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /** CA bundle for verifying client certificates; with it, clients must present a certificate signed by it. */
  readonly ca?: string | Buffer;
}

/** PEM-encoded TLS material for the RPC client (node:tls). */
export interface RpcClientTlsOptions {
  /** CA bundle the server certificate must chain to; default: the system store. */
  readonly ca?: string | Buffer;
  /** Client certificate and key, for servers that require them. */
  readonly cert?: string | Buffer;
  readonly key?: string | Buffer;
  /** Name to verify in the server certificate (SNI); default: the host dialed. */
  readonly serverName?: string;
}
