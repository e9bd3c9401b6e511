/**
 * vt's RPC between gate, ctl and tablets: framed, multiplexed calls over one TCP (or TLS) connection per
 * client/server pair. Wire format in frame.ts; unary and server-streaming methods; per-call deadlines and
 * cancellation that reach the server handler's AbortSignal; per-stream credit flow control; errors travel as
 * VtError. Declare services with defineService() to get a typed server binding and client.
 */
export { RpcServer, type RpcServerOptions } from './rpc-server.js';
export {
  RpcClient,
  type RpcClientOptions,
  type CallOptions,
  type StreamOptions,
  type RpcCaller,
} from './rpc-client.js';
export type { CallContext, UnaryHandler, StreamHandler, RpcRegistry } from './handler.js';
export { defineService, unary, serverStream } from './service.js';
export type {
  ServiceDefinition,
  ServiceImpl,
  ServiceClient,
  ServiceMethods,
  UnaryMethod,
  StreamMethod,
} from './service.js';
export type { Codec } from './codec.js';
export { BinaryCodec } from './binary-codec.js';
export { JsonCodec } from './json-codec.js';
export type { RpcServerTlsOptions, RpcClientTlsOptions } from './tls-options.js';
export { DEFAULT_MAX_FRAME_SIZE } from './frame.js';
export { DeadlineSweeper, type Expirable } from './deadline-sweeper.js';
