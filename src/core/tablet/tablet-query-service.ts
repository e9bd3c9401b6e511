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
 * Per-service state shared by every request's options: failure counts by vtrpc code and the address of the last
 * peer seen (requests of one gate connection repeat it).
 */
class CallAccounting {
  readonly errors = new Map<string, number>();
  private lastPeer = '';
  private lastPeerAddress = '';

  countError(err: unknown): void {
    const code = err instanceof VtError ? err.code : 'UNKNOWN';
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  caller(peer: string, user: string | undefined): CallerInfo {
    if (peer !== this.lastPeer) {
      this.lastPeer = peer;
      this.lastPeerAddress = peerAddress(peer);
    }
    return user ? { remoteAddr: this.lastPeerAddress, user } : { remoteAddr: this.lastPeerAddress };
  }
}

/**
 * The engine's options for one RPC. `signal` and `caller` are prototype getters, computed only when read: the
 * RPC layer creates a call's AbortSignal lazily and a consolidated select never reads it (its shared execution is
 * not tied to one caller); `caller` is read only when query rules match the statement. Neither is an own
 * property: code copying options must carry them explicitly (QueryEngine.runIn does). `onFailure` counts a
 * failed Execute (QueryEngine.execute calls it).
 */
class RpcExecuteOptions implements ExecuteOptions {
  // Every field is set in the constructor (undefined when absent), so all instances share one hidden class.
  readonly queryTimeoutMs: number | undefined;
  readonly skipConsolidator: boolean;
  readonly clientFoundRows: boolean;
  readonly transactionId: number | undefined;
  readonly reservedId: number | undefined;
  private readonly callerUser: string | undefined;

  constructor(
    req: ExecuteRequest,
    private readonly ctx: CallContext,
    readonly tabletType: TabletType,
    private readonly accounting: CallAccounting,
  ) {
    const o = req.options;
    this.queryTimeoutMs = o?.queryTimeoutMs || undefined;
    this.skipConsolidator = o?.skipConsolidator === true;
    this.clientFoundRows = o?.clientFoundRows === true;
    this.callerUser = o?.callerUser || undefined;
    this.transactionId = req.transactionId || undefined;
    this.reservedId = req.reservedId || undefined;
  }

  get signal(): AbortSignal {
    return this.ctx.signal;
  }

  get caller(): CallerInfo {
    return this.accounting.caller(this.ctx.peer, this.callerUser);
  }

  onFailure(err: unknown): void {
    this.accounting.countError(err);
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
  private readonly calls: Record<keyof Methods, number> = {
    Execute: 0,
    StreamExecute: 0,
    Begin: 0,
    Commit: 0,
    Rollback: 0,
    BeginExecute: 0,
    ReserveExecute: 0,
    ReserveBeginExecute: 0,
    Release: 0,
    StreamHealth: 0,
  };
  private readonly accounting = new CallAccounting();

  constructor(
    private readonly state: StateManager,
    private readonly engine: QueryEngine,
    private readonly healthIntervalMs: number,
  ) {}

  /** The hot path: no promise layer here (the engine reports a failure through the options' onFailure). */
  Execute(req: ExecuteRequest, ctx: CallContext): Promise<QueryResult> {
    this.calls.Execute++;
    try {
      this.state.checkTarget(req.target);
    } catch (err) {
      this.accounting.countError(err);
      return Promise.reject(err as Error);
    }
    const r: EngineRequest = req.bindVars
      ? { sql: req.sql, bindVars: req.bindVars, options: this.options(req, ctx) }
      : { sql: req.sql, options: this.options(req, ctx) };
    return this.engine.execute(r);
  }

  async *StreamExecute(req: ExecuteRequest, ctx: CallContext): AsyncGenerator<ResultEvent> {
    this.calls.StreamExecute++;
    try {
      this.state.checkTarget(req.target);
      yield* this.engine.streamExecute({ sql: req.sql, ...this.bind(req), options: this.options(req, ctx) });
    } catch (err) {
      this.accounting.countError(err);
      throw err;
    }
  }

  Begin(req: BeginRequest, ctx: CallContext): Promise<{ transactionId: number }> {
    return this.count('Begin', async () => {
      this.state.checkTarget(req.target);
      const transactionId = await this.engine.begin({
        signal: ctx.signal,
        ...(req.reservedId ? { reservedId: req.reservedId } : {}),
        foundRows: req.options?.clientFoundRows === true,
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

  /** Calls by method (those called at least once) and errors by code since start. */
  counters(): { calls: Record<string, number>; errors: Record<string, number> } {
    return {
      calls: Object.fromEntries(Object.entries(this.calls).filter(([, n]) => n > 0)),
      errors: Object.fromEntries(this.accounting.errors),
    };
  }

  /** Counts a call and, if it fails (synchronously or not), its error code; always returns a promise. */
  private count<T>(method: keyof Methods, fn: () => Promise<T>): Promise<T> {
    this.calls[method]++;
    let p: Promise<T>;
    try {
      p = fn();
    } catch (err) {
      this.accounting.countError(err);
      return Promise.reject(err as Error);
    }
    return p.then(undefined, this.failed);
  }

  /** Counts a failed call's error code and rethrows it (a rejection handler shared by every call). */
  private readonly failed = (err: unknown): never => {
    this.accounting.countError(err);
    throw err;
  };

  private bind(req: ExecuteRequest): { bindVars?: NonNullable<ExecuteRequest['bindVars']> } {
    return req.bindVars ? { bindVars: req.bindVars } : {};
  }

  /** The engine's options for a request (see RpcExecuteOptions). */
  private options(req: ExecuteRequest, ctx: CallContext): ExecuteOptions {
    return new RpcExecuteOptions(req, ctx, this.state.type, this.accounting);
  }
}
