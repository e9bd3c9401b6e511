/** What a server-side handler learns about its call. */
export interface CallContext {
  /**
   * Fires when the call is over from the caller's point of view: client cancel (reason CANCELED), deadline
   * (DEADLINE_EXCEEDED), connection loss or server shutdown (UNAVAILABLE). `signal.reason` is that VtError.
   * Handlers doing real work (a MySQL query) must watch it; a stream handler stuck in an await that ignores
   * it keeps running until that await settles.
   */
  readonly signal: AbortSignal;
  /** "address:port" of the caller. */
  readonly peer: string;
  /** Full method name, e.g. "queryservice.Execute". */
  readonly method: string;
}

/** A unary handler: its result (or thrown error) is the reply. Throw VtError to control what the caller sees. */
export type UnaryHandler<Req, Res> = (req: Req, ctx: CallContext) => Promise<Res> | Res;

/**
 * A server-streaming handler: each item is one frame, in order. It is pulled only as fast as the client
 * consumes (per-stream credit window + socket drain), so an async generator naturally waits for a slow client.
 * Returning ends the stream; throwing fails it. On cancel the generator is closed (its finally blocks run).
 */
export type StreamHandler<Req, Item> = (req: Req, ctx: CallContext) => AsyncIterable<Item>;

/** Where handlers are registered; RpcServer implements it. */
export interface RpcRegistry {
  register<Req, Res>(method: string, handler: UnaryHandler<Req, Res>): void;
  registerStream<Req, Item>(method: string, handler: StreamHandler<Req, Item>): void;
}

export type MethodEntry =
  | { readonly kind: 'unary'; readonly handler: UnaryHandler<unknown, unknown> }
  | { readonly kind: 'stream'; readonly handler: StreamHandler<unknown, unknown> };
