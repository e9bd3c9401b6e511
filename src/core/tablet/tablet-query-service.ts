import { VtError } from '../errors/index.js';
import type { CallContext, ServiceImpl } from '../rpc/index.js';
import type { QueryResult, ResultEvent } from '../sqltypes/index.js';
import { healthStream } from './health-stream.js';
import type { QueryEngine, StatefulExecuteResult } from './query-engine.js';
import type { ExecuteOptions, ExecuteRequest as EngineRequest } from './query-executor.js';
import type {
  BeginRequest,
  ExecuteRequest,
  HealthMessage,
  QueryService,
  ReleaseRequest,
  ReserveRequest,
  StatefulReply,
  TransactionReply,
  TransactionRequest,
} from './query-service.js';
import type { StateManager } from './state-manager.js';
import type { CallerInfo } from './query-rules.js';
import type { TabletType } from './tablet-target.js';

type Methods = typeof QueryService.methods;

/** "1.2.3.4:5678" / "[::1]:5678" -> the address part, for query rules on RequestIP. */
function peerAddress(peer: string): string {
  const m = /^\[?(.*?)\]?:\d+$/.exec(peer);
  return m ? m[1]! : peer;
}

function statefulReply(r: StatefulExecuteResult): StatefulReply {
  return {
    transactionId: r.transactionId,
    reservedId: r.reservedId,
    ...(r.result ? { result: r.result } : {}),
    ...(r.error
      ? { error: { code: r.error.code, message: r.error.message, errno: r.error.errno, sqlState: r.error.sqlState } }
      : {}),
  };
}

/**
 * The engine's options for one RPC: `signal` is a prototype getter reading the call's lazily created signal
 * (an object literal with an accessor costs far more to create). It is not an own property: code copying options
 * must carry `signal` explicitly (QueryEngine.runIn does).
 */
class RpcExecuteOptions implements ExecuteOptions {
  queryTimeoutMs?: number;
  skipConsolidator?: boolean;
  transactionId?: number;
  reservedId?: number;

  constructor(
    private readonly ctx: CallContext,
    readonly tabletType: TabletType,
    readonly caller: CallerInfo,
  ) {}

  get signal(): AbortSignal {
    return this.ctx.signal;
  }
}

/**
 * The QueryService RPCs of one tablet: each request's target is admitted by the StateManager (identity, type,
 * serving state; see StateManager.checkTarget), then handed to the QueryEngine with the caller's signal, so a
 * cancelled or timed-out RPC kills its MySQL query. Commit, Rollback and Release are admitted while not serving
 * (a draining tablet still finishes or rolls back open transactions if the engine allows it).
 */
export class TabletQueryService implements ServiceImpl<Methods> {
  /** RPC calls by method and failed RPCs by vtrpc code, for /debug/vars (the engine counts per plan type). */
  private readonly calls = new Map<string, number>();
  private readonly errors = new Map<string, number>();
  private lastPeer = '';
  private lastPeerAddress = '';

  constructor(
    private readonly state: StateManager,
    private readonly engine: QueryEngine,
    private readonly healthIntervalMs: number,
  ) {}

  Execute(req: ExecuteRequest, ctx: CallContext): Promise<QueryResult> {
    return this.count('Execute', () => {
      this.state.checkTarget(req.target);
      const r: EngineRequest = req.bindVars
        ? { sql: req.sql, bindVars: req.bindVars, options: this.options(req, ctx) }
        : { sql: req.sql, options: this.options(req, ctx) };
      return this.engine.execute(r);
    });
  }

  async *StreamExecute(req: ExecuteRequest, ctx: CallContext): AsyncGenerator<ResultEvent> {
    this.calls.set('StreamExecute', (this.calls.get('StreamExecute') ?? 0) + 1);
    try {
      this.state.checkTarget(req.target);
      yield* this.engine.streamExecute({ sql: req.sql, ...this.bind(req), options: this.options(req, ctx) });
    } catch (err) {
      this.countError(err);
      throw err;
    }
  }

  Begin(req: BeginRequest, ctx: CallContext): Promise<{ transactionId: number }> {
    return this.count('Begin', async () => {
      this.state.checkTarget(req.target);
      const transactionId = await this.engine.begin({
        signal: ctx.signal,
        ...(req.reservedId ? { reservedId: req.reservedId } : {}),
      });
      return { transactionId };
    });
  }

  Commit(req: TransactionRequest): Promise<TransactionReply> {
    return this.count('Commit', async () => {
      this.state.checkTarget(req.target, { allowNotServing: true });
      return { reservedId: await this.engine.commit(req.transactionId) };
    });
  }

  Rollback(req: TransactionRequest): Promise<TransactionReply> {
    return this.count('Rollback', async () => {
      this.state.checkTarget(req.target, { allowNotServing: true });
      return { reservedId: await this.engine.rollback(req.transactionId) };
    });
  }

  BeginExecute(req: ExecuteRequest, ctx: CallContext): Promise<StatefulReply> {
    return this.count('BeginExecute', async () => {
      this.state.checkTarget(req.target);
      return statefulReply(
        await this.engine.beginExecute({ sql: req.sql, ...this.bind(req), options: this.options(req, ctx) }),
      );
    });
  }

  ReserveExecute(req: ReserveRequest, ctx: CallContext): Promise<StatefulReply> {
    return this.count('ReserveExecute', async () => {
      this.state.checkTarget(req.target);
      const r = await this.engine.reserveExecute(req.preQueries ?? [], {
        sql: req.sql,
        ...this.bind(req),
        options: this.options(req, ctx),
      });
      return statefulReply(r);
    });
  }

  ReserveBeginExecute(req: ReserveRequest, ctx: CallContext): Promise<StatefulReply> {
    return this.count('ReserveBeginExecute', async () => {
      this.state.checkTarget(req.target);
      const r = await this.engine.reserveBeginExecute(req.preQueries ?? [], {
        sql: req.sql,
        ...this.bind(req),
        options: this.options(req, ctx),
      });
      return statefulReply(r);
    });
  }

  /** Releases the reserved connection (rolling back its transaction), or rolls back a plain transaction. */
  Release(req: ReleaseRequest): Promise<void> {
    return this.count('Release', async () => {
      this.state.checkTarget(req.target, { allowNotServing: true });
      if (req.reservedId) await this.engine.release(req.reservedId);
      else if (req.transactionId) await this.engine.rollback(req.transactionId);
    });
  }

  StreamHealth(_req: Record<string, never>, ctx: CallContext): AsyncIterable<HealthMessage> {
    return healthStream(this.state, { intervalMs: this.healthIntervalMs, signal: ctx.signal });
  }

  /** Calls by method and errors by code since start. */
  counters(): { calls: Record<string, number>; errors: Record<string, number> } {
    return { calls: Object.fromEntries(this.calls), errors: Object.fromEntries(this.errors) };
  }

  /** Counts a call and, if it fails (synchronously or not), its error code; always returns a promise. */
  private count<T>(method: string, fn: () => Promise<T>): Promise<T> {
    this.calls.set(method, (this.calls.get(method) ?? 0) + 1);
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      this.countError(err);
      return Promise.reject(err as Error);
    }
    return p.then(undefined, this.failed);
  }

  /** Counts a failed call's error code and rethrows it (a rejection handler shared by every call). */
  private readonly failed = (err: unknown): never => {
    this.countError(err);
    throw err;
  };

  private countError(err: unknown): void {
    const code = err instanceof VtError ? err.code : 'UNKNOWN';
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  private bind(req: ExecuteRequest): { bindVars?: NonNullable<ExecuteRequest['bindVars']> } {
    return req.bindVars ? { bindVars: req.bindVars } : {};
  }

  /**
   * The engine's options for a request. `signal` is a getter: the RPC layer creates a call's AbortSignal only when
   * it is read, and a consolidated select never reads it (its shared execution is not tied to one caller).
   */
  private options(req: ExecuteRequest, ctx: CallContext): ExecuteOptions {
    const o = req.options;
    const caller: { remoteAddr: string; user?: string } = { remoteAddr: this.peerAddress(ctx.peer) };
    if (o?.callerUser) caller.user = o.callerUser;
    const opts = new RpcExecuteOptions(ctx, this.state.type, caller);
    if (o?.queryTimeoutMs) opts.queryTimeoutMs = o.queryTimeoutMs;
    if (o?.skipConsolidator) opts.skipConsolidator = true;
    if (req.transactionId) opts.transactionId = req.transactionId;
    if (req.reservedId) opts.reservedId = req.reservedId;
    return opts;
  }

  /** peerAddress of the last peer seen: requests of one gate connection repeat it. */
  private peerAddress(peer: string): string {
    if (peer !== this.lastPeer) {
      this.lastPeer = peer;
      this.lastPeerAddress = peerAddress(peer);
    }
    return this.lastPeerAddress;
  }
}
