import { Err, VtError, type VtCode } from '../errors/index.js';
import type { BindVars } from '../sql/bind-vars.js';
import { queryResult, type QueryResult, type ResultEvent } from '../sqltypes/result.js';
import type { QueryOptions, StatefulReply } from '../tablet/query-service.js';
import type { TabletTarget } from '../tablet/tablet-target.js';
import type { GateSession, ShardSession } from './gate-session.js';
import type { HealthCheck, TabletHealth } from './health-check.js';
import { targetKey } from './target.js';

/** Per-statement call settings: the gate-side timeout (also sent to the tablet) and the client's abort signal. */
export interface CallSettings {
  readonly timeoutMs: number | undefined;
  readonly signal: AbortSignal;
  /** The client connection set CLIENT_FOUND_ROWS: the tablet runs its writes on found-rows connections. */
  readonly foundRows?: boolean;
}

export interface ShardQuery {
  readonly target: TabletTarget;
  readonly sql: string;
  readonly bindVars?: BindVars | undefined;
  /** Stream the result (OLAP workload); only honoured outside transactions and reserved connections. */
  readonly stream?: boolean;
  /** Open a reserved connection even though the session has no settings yet (a SET that creates the first one). */
  readonly reserve?: boolean;
}

/**
 * Runs statements on one shard for a session (Vitess's TabletGateway + the shard part of ScatterConn): picks a
 * healthy tablet, keeps transactions and reserved connections pinned to the tablet that opened them, and records
 * their ids in the session. Transactions begin lazily with BeginExecute; sessions with system settings use
 * ReserveExecute / ReserveBeginExecute with the settings as pre-queries.
 *
 * Errors: VtErrors from the tablet pass through (MySQL errno/SQLSTATE intact). A transaction may only touch one
 * shard: a second one fails with 1235/42000. A pinned tablet that disappeared fails the statement with
 * UNAVAILABLE and drops the shard session (its transaction is lost, as in Vitess). Autocommit reads are retried
 * once on another tablet when the first one failed with UNAVAILABLE (not serving / unreachable); writes are
 * retried only when the tablet was never reached.
 */
export class TabletGateway {
  constructor(private readonly hc: HealthCheck) {}

  async execute(
    session: GateSession,
    q: ShardQuery,
    cs: CallSettings,
    readOnly: boolean,
  ): Promise<QueryResult | AsyncIterable<ResultEvent>> {
    const key = targetKey(q.target);
    const ss = session.shards.get(key);
    const options = queryOptions(cs);
    const co = { timeoutMs: cs.timeoutMs, signal: cs.signal };
    const req = { target: q.target, sql: q.sql, bindVars: q.bindVars, options };

    if (session.inTransaction) {
      if (ss !== undefined && ss.transactionId !== 0) {
        const t = this.pinned(session, ss);
        return t.query.Execute({ ...req, transactionId: ss.transactionId, reservedId: ss.reservedId || undefined }, co);
      }
      const other = session.transactionShard();
      if (other !== undefined) {
        throw Err.notSupported(
          `multi-shard transactions (transaction open on ${other.target.keyspace}/${other.target.shard}, statement for ${q.target.keyspace}/${q.target.shard})`,
        );
      }
      const pending = session.pendingSavepoints;
      session.pendingSavepoints = [];
      // With pending savepoints the transaction begins with the first one; the rest and the statement follow.
      const first = pending.length > 0 ? { ...req, sql: pending[0]!, bindVars: undefined } : req;
      let reply: StatefulReply | undefined;
      let t: TabletHealth | undefined;
      if (ss !== undefined && ss.reservedId !== 0) {
        let sent = false;
        try {
          t = this.pinned(session, ss);
          sent = true;
          reply = await t.query.BeginExecute({ ...first, reservedId: ss.reservedId }, co);
        } catch (e) {
          if (!reservationLost(e, sent, false)) throw e;
          session.shards.delete(key); // begin on a new reserved connection below
        }
      }
      if (reply === undefined || t === undefined) {
        t = this.hc.pick(q.target);
        reply =
          session.settings.size > 0 || q.reserve === true
            ? await t.query.ReserveBeginExecute({ ...first, preQueries: session.settingsList() }, co)
            : await t.query.BeginExecute(first, co);
      }
      const r = this.stateful(session, q.target, t.alias, reply);
      if (pending.length === 0) return r;
      const s = session.shards.get(key)!;
      for (const sp of pending.slice(1)) {
        await t.query.Execute(
          {
            ...req,
            sql: sp,
            bindVars: undefined,
            transactionId: s.transactionId,
            reservedId: s.reservedId || undefined,
          },
          co,
        );
      }
      return t.query.Execute({ ...req, transactionId: s.transactionId, reservedId: s.reservedId || undefined }, co);
    }

    if (ss !== undefined && ss.reservedId !== 0) {
      let sent = false;
      try {
        const t = this.pinned(session, ss);
        sent = true;
        return await t.query.Execute({ ...req, reservedId: ss.reservedId }, co);
      } catch (e) {
        // The reserved connection is gone (idle timeout, tablet restarted or dead): forget it, and re-run the
        // statement on a new reserved connection (settings replayed) when it cannot have run on the old one.
        if (!(e instanceof VtError) || !isReservationError(e)) throw e;
        session.shards.delete(key);
        if (!reservationLost(e, sent, readOnly)) throw e;
      }
    }
    if (session.settings.size > 0 || q.reserve === true) {
      const t = this.hc.pick(q.target);
      const reply = await t.query.ReserveExecute({ ...req, preQueries: session.settingsList() }, co);
      return this.stateful(session, q.target, t.alias, reply);
    }
    const t = this.hc.pick(q.target);
    if (q.stream === true) return t.query.StreamExecute(req, co);
    try {
      return await t.query.Execute(req, co);
    } catch (e) {
      if (!(e instanceof VtError) || e.code !== 'UNAVAILABLE' || cs.signal.aborted) throw e;
      if (!readOnly && !/cannot connect|NOT_SERVING/i.test(e.message)) throw e;
      let other: TabletHealth;
      try {
        other = this.hc.pick(q.target, t.alias);
      } catch {
        throw e;
      }
      return other.query.Execute(req, co);
    }
  }

  /**
   * Ends the session's transaction; the shard keeps its reserved connection if it had one. The session leaves the
   * transaction even when the call fails; a failed COMMIT reports the error, a ROLLBACK of a transaction the tablet
   * already ended (timeout, tablet gone) does not.
   */
  async commit(session: GateSession): Promise<void> {
    await this.endTransaction(session, 'Commit');
  }

  async rollback(session: GateSession): Promise<void> {
    await this.endTransaction(session, 'Rollback');
  }

  /** Rolls back and releases everything the session holds on tablets (connection close / reset). Never throws. */
  async releaseAll(session: GateSession): Promise<void> {
    const all = [...session.shards.values()];
    session.shards.clear();
    session.inTransaction = false;
    session.pendingSavepoints = [];
    await Promise.all(
      all.map(async (ss) => {
        const t = this.hc.get(ss.tabletAlias);
        if (t === undefined) return;
        await t.query
          .Release(
            { target: ss.target, transactionId: ss.transactionId || undefined, reservedId: ss.reservedId || undefined },
            { timeoutMs: 5000 },
          )
          .catch(() => undefined);
      }),
    );
  }

  /** Runs `sql` on every shard session holding a reserved connection (a new system setting). */
  async applyToReserved(session: GateSession, sql: string, cs: CallSettings): Promise<void> {
    for (const ss of [...session.shards.values()]) {
      if (ss.reservedId === 0) continue;
      const t = this.pinned(session, ss);
      await t.query.Execute(
        {
          target: ss.target,
          sql,
          transactionId: ss.transactionId || undefined,
          reservedId: ss.reservedId,
          options: queryOptions(cs),
        },
        { timeoutMs: cs.timeoutMs, signal: cs.signal },
      );
    }
  }

  private async endTransaction(session: GateSession, op: 'Commit' | 'Rollback'): Promise<void> {
    session.inTransaction = false;
    session.pendingSavepoints = [];
    const ss = session.transactionShard();
    if (ss === undefined) return;
    const txId = ss.transactionId;
    ss.transactionId = 0;
    try {
      const t = this.pinned(session, ss);
      const r = await t.query[op]({ target: ss.target, transactionId: txId });
      ss.reservedId = r.reservedId;
    } catch (e) {
      // A rollback of a transaction that is already gone (killed by the tablet's timeout, tablet dead) succeeded.
      const gone =
        e instanceof VtError && (e.code === 'UNAVAILABLE' || e.reason === 'TxNotFound' || e.reason === 'TxEnded');
      if (op === 'Commit' || !gone) throw e;
      if (e.code === 'UNAVAILABLE') ss.reservedId = 0;
    } finally {
      if (ss.reservedId === 0 && ss.transactionId === 0) session.shards.delete(targetKey(ss.target));
    }
  }

  /** The tablet a shard session is pinned to; UNAVAILABLE (and the shard session dropped) if it is gone. */
  private pinned(session: GateSession, ss: ShardSession): TabletHealth {
    const t = this.hc.get(ss.tabletAlias);
    if (t !== undefined) return t;
    session.shards.delete(targetKey(ss.target));
    const what = ss.transactionId !== 0 ? 'transaction' : 'reserved connection';
    throw new VtError('UNAVAILABLE', `tablet ${ss.tabletAlias} is gone: the session's ${what} on it was lost`);
  }

  /** Records the ids of a stateful reply (valid even when the statement failed), then returns or throws. */
  private stateful(session: GateSession, target: TabletTarget, alias: string, reply: StatefulReply): QueryResult {
    const key = targetKey(target);
    if (reply.transactionId !== 0 || reply.reservedId !== 0) {
      const prev = session.shards.get(key);
      if (prev !== undefined) {
        prev.transactionId = reply.transactionId;
        prev.reservedId = reply.reservedId;
      } else {
        session.shards.set(key, {
          target,
          tabletAlias: alias,
          transactionId: reply.transactionId,
          reservedId: reply.reservedId,
        });
      }
    } else session.shards.delete(key);
    if (reply.error !== undefined) {
      const e = reply.error;
      throw new VtError(e.code as VtCode, e.message, { errno: e.errno, sqlState: e.sqlState });
    }
    return reply.result ?? queryResult();
  }
}

const FOUND_ROWS_OPTIONS: QueryOptions = { clientFoundRows: true };

function queryOptions(cs: CallSettings): QueryOptions | undefined {
  if (cs.timeoutMs === undefined) return cs.foundRows === true ? FOUND_ROWS_OPTIONS : undefined;
  return cs.foundRows === true
    ? { queryTimeoutMs: cs.timeoutMs, clientFoundRows: true }
    : { queryTimeoutMs: cs.timeoutMs };
}

/** The tablet no longer knows the reserved connection / transaction, or cannot be reached. */
function isReservationError(e: VtError): boolean {
  return e.reason === 'TxNotFound' || e.reason === 'TxEnded' || e.code === 'UNAVAILABLE';
}

/**
 * True when a call on a reserved connection failed because the connection is gone AND the statement cannot have
 * run: the tablet rejected the id (nothing executed), the call was never sent, or it was a read (safe to repeat).
 */
function reservationLost(e: unknown, sent: boolean, readOnly: boolean): boolean {
  if (!(e instanceof VtError) || !isReservationError(e)) return false;
  return e.code !== 'UNAVAILABLE' || !sent || readOnly;
}
