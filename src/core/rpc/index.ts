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
