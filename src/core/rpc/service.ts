import type { CallContext, RpcRegistry } from './handler.js';
import type { CallOptions, RpcCaller, StreamOptions } from './rpc-client.js';

/**
 * Typed services: declare the methods once, get a typed server binding and a typed client.
 *
 *   const QueryService = defineService('queryservice', {
 *     Execute: unary<ExecuteRequest, ExecuteResponse>(),
 *     StreamExecute: serverStream<ExecuteRequest, ResultChunk>(),
 *   });
 *   QueryService.bindServer(server, { Execute: async (req, ctx) => ..., StreamExecute: async function* (req, ctx) {...} });
 *   const qs = QueryService.client(rpcClient);
 *   await qs.Execute(req, { timeoutMs: 30_000 });  for await (const chunk of qs.StreamExecute(req)) ...
 *
 * The markers carry the types; their runtime `kind` is what tells the client proxy whether to call() or
 * stream(), which a type-only declaration could not. Wire names are "<service>.<Method>".
 */
export interface UnaryMethod<Req, Res> {
  readonly kind: 'unary';
  /** Type carriers only; never set. */
  readonly req?: Req;
  readonly res?: Res;
}

export interface StreamMethod<Req, Item> {
  readonly kind: 'stream';
  readonly req?: Req;
  readonly item?: Item;
}

export type ServiceMethods = Readonly<Record<string, UnaryMethod<unknown, unknown> | StreamMethod<unknown, unknown>>>;

export function unary<Req, Res>(): UnaryMethod<Req, Res> {
  return { kind: 'unary' };
}

export function serverStream<Req, Item>(): StreamMethod<Req, Item> {
  return { kind: 'stream' };
}

/** What a server implements: one handler per method. */
export type ServiceImpl<M extends ServiceMethods> = {
  readonly [K in keyof M]: M[K] extends StreamMethod<infer Q, infer I>
    ? (req: Q, ctx: CallContext) => AsyncIterable<I>
    : M[K] extends UnaryMethod<infer Q, infer R>
      ? (req: Q, ctx: CallContext) => Promise<R> | R
      : never;
};

/** What a caller gets: one typed function per method. */
export type ServiceClient<M extends ServiceMethods> = {
  readonly [K in keyof M]: M[K] extends StreamMethod<infer Q, infer I>
    ? (req: Q, opts?: StreamOptions) => AsyncIterable<I>
    : M[K] extends UnaryMethod<infer Q, infer R>
      ? (req: Q, opts?: CallOptions) => Promise<R>
      : never;
};

export interface ServiceDefinition<M extends ServiceMethods> {
  readonly name: string;
  readonly methods: M;
  /** Registers every method of `impl` as "<name>.<Method>". Throws ALREADY_EXISTS on a duplicate. */
  bindServer(server: RpcRegistry, impl: ServiceImpl<M>): void;
  client(caller: RpcCaller): ServiceClient<M>;
}

export function defineService<M extends ServiceMethods>(name: string, methods: M): ServiceDefinition<M> {
  const keys = Object.keys(methods) as (keyof M & string)[];
  return {
    name,
    methods,
    bindServer(server, impl) {
      for (const k of keys) {
        const fn = impl[k] as (req: unknown, ctx: CallContext) => unknown;
        const handler = (req: unknown, ctx: CallContext) => fn.call(impl, req, ctx);
        if (methods[k]!.kind === 'stream')
          server.registerStream(`${name}.${k}`, handler as (req: unknown, ctx: CallContext) => AsyncIterable<unknown>);
        else server.register(`${name}.${k}`, handler);
      }
    },
    client(caller) {
      const out: Record<string, unknown> = {};
      for (const k of keys) {
        const wire = `${name}.${k}`;
        out[k] =
          methods[k]!.kind === 'stream'
            ? (req: unknown, opts?: StreamOptions) => caller.stream(wire, req, opts)
            : (req: unknown, opts?: CallOptions) => caller.call(wire, req, opts);
      }
      return out as ServiceClient<M>;
    },
  };
}
