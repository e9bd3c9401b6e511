import type { QueryResult } from '../sqltypes/index.js';
import { DbConn, type ConnParams } from './db-conn.js';
import type { DbaExecutor } from './replication.js';

/** Rows of a result as objects keyed by column name (values in MySQL text form). */
export function rowObjects(r: QueryResult): Record<string, unknown>[] {
  return r.rows.map((row) => {
    const o: Record<string, unknown> = {};
    r.fields.forEach((f, i) => {
      const v = row[i];
      o[f.name] = Buffer.isBuffer(v) ? v.toString('utf8') : v;
    });
    return o;
  });
}

/** One dba connection with the DbaExecutor shape plus raw results. */
export interface DbaSession extends DbaExecutor {
  exec(sql: string, timeoutMs?: number): Promise<QueryResult>;
}

/**
 * Administrative access to mysqld as a privileged account (vt_dba, or vt_app for ExecuteFetchAsApp). Tablet
 * manager calls are rare and may change session state (sql_log_bin, USE), so each `withSession` gets a fresh
 * connection that is closed afterwards; no pool to poison. Connection failures are UNAVAILABLE VtErrors.
 */
export class DbaConnector implements DbaExecutor {
  constructor(private readonly params: ConnParams) {}

  /** Runs `fn` on a new connection (default database overridable; '' for none), then closes it. */
  async withSession<T>(fn: (s: DbaSession) => Promise<T>, o: { database?: string } = {}): Promise<T> {
    const { database: _ignored, ...base } = this.params;
    const database = o.database ?? this.params.database;
    const conn = await DbConn.connect({ ...base, ...(database ? { database } : {}) });
    try {
      const session: DbaSession = {
        exec: (sql, timeoutMs) => conn.exec(sql, timeoutMs ? { timeoutMs } : {}),
        query: async (sql) => rowObjects(await conn.exec(sql)),
      };
      return await fn(session);
    } finally {
      conn.close();
    }
  }

  query(sql: string): Promise<Record<string, unknown>[]> {
    return this.withSession((s) => s.query(sql));
  }
}
