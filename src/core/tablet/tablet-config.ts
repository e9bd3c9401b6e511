import { VtError } from '../errors/index.js';

/**
 * The query-serving knobs of a tablet, with Vitess's defaults. The `vt tablet` command maps Vitess's flags onto
 * this object:
 *
 *   --queryserver-config-pool-size              -> poolSize (16)
 *   --queryserver-config-stream-pool-size       -> streamPoolSize (200)
 *   --queryserver-config-transaction-cap        -> txPoolSize (20)
 *   --queryserver-config-txpool-timeout         -> txPoolTimeoutMs (1 s)
 *   --queryserver-config-query-pool-timeout     -> queryPoolTimeoutMs (0: bounded by the query timeout)
 *   --queryserver-config-query-timeout          -> queryTimeoutMs (30 s)
 *   --queryserver-config-transaction-timeout    -> txTimeoutMs (30 s)
 *   --queryserver-config-idle-timeout           -> idleTimeoutMs (30 min)
 *   --queryserver-config-max-result-size        -> maxResultSize (10000)
 *   --queryserver-config-stream-buffer-size     -> streamBufferSize (32 KiB)
 *   --queryserver-config-query-cache-size       -> planCacheSize (5000)
 *   --enable-consolidator / --enable-consolidator-replicas -> consolidator
 *   --shutdown_grace_period                     -> shutdownGracePeriodMs (3 s)
 */
export interface TabletConfig {
  readonly poolSize: number;
  readonly streamPoolSize: number;
  readonly txPoolSize: number;
  /** How long a caller waits for a query-pool connection; 0 = until its query timeout. */
  readonly queryPoolTimeoutMs: number;
  /** How long a caller waits for a stream-pool connection; 0 = until its signal aborts. */
  readonly streamPoolTimeoutMs: number;
  /** How long begin/reserve waits for a transaction-pool connection before RESOURCE_EXHAUSTED. */
  readonly txPoolTimeoutMs: number;
  /** Default per-query timeout; a caller may lower it per query. 0 disables. */
  readonly queryTimeoutMs: number;
  /** A transaction open longer than this is rolled back by the killer. 0 disables. */
  readonly txTimeoutMs: number;
  /** Reserved connections (not in a transaction) unused for longer than this are released. 0 disables. */
  readonly idleTimeoutMs: number;
  /** Max rows a non-streaming query may return; selects without LIMIT get `limit maxResultSize+1`. */
  readonly maxResultSize: number;
  /** Approximate bytes of row data per streamed batch. */
  readonly streamBufferSize: number;
  /** Max plans kept in the plan cache (LRU). */
  readonly planCacheSize: number;
  /** 'enable': identical concurrent selects share one execution; 'notOnPrimary': only on replicas/rdonly. */
  readonly consolidator: 'enable' | 'disable' | 'notOnPrimary';
  /** How long close() waits for in-flight requests before rolling back and closing anyway. */
  readonly shutdownGracePeriodMs: number;
  /** mysqld connect timeout for pooled connections; a dead mysqld fails calls this fast at worst. */
  readonly connectTimeoutMs: number;
}

export const defaultTabletConfig: TabletConfig = {
  poolSize: 16,
  streamPoolSize: 200,
  txPoolSize: 20,
  queryPoolTimeoutMs: 0,
  streamPoolTimeoutMs: 0,
  txPoolTimeoutMs: 1000,
  queryTimeoutMs: 30_000,
  txTimeoutMs: 30_000,
  idleTimeoutMs: 30 * 60_000,
  maxResultSize: 10_000,
  streamBufferSize: 32 * 1024,
  planCacheSize: 5000,
  consolidator: 'enable',
  shutdownGracePeriodMs: 3000,
  connectTimeoutMs: 5000,
};

/** Defaults overridden by `overrides`; rejects nonsensical values with INVALID_ARGUMENT. */
export function tabletConfig(overrides: Partial<TabletConfig> = {}): TabletConfig {
  const c: TabletConfig = { ...defaultTabletConfig, ...overrides };
  const positive: (keyof TabletConfig)[] = [
    'poolSize',
    'streamPoolSize',
    'txPoolSize',
    'maxResultSize',
    'planCacheSize',
  ];
  for (const k of positive) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isInteger(v) || v <= 0) {
      throw new VtError('INVALID_ARGUMENT', `tablet config: ${k} must be a positive integer, got ${String(v)}`);
    }
  }
  const nonNegative: (keyof TabletConfig)[] = [
    'queryPoolTimeoutMs',
    'streamPoolTimeoutMs',
    'txPoolTimeoutMs',
    'queryTimeoutMs',
    'txTimeoutMs',
    'idleTimeoutMs',
    'streamBufferSize',
    'shutdownGracePeriodMs',
    'connectTimeoutMs',
  ];
  for (const k of nonNegative) {
    const v = c[k];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
      throw new VtError('INVALID_ARGUMENT', `tablet config: ${k} must be >= 0, got ${String(v)}`);
    }
  }
  if (!['enable', 'disable', 'notOnPrimary'].includes(c.consolidator)) {
    throw new VtError(
      'INVALID_ARGUMENT',
      `tablet config: consolidator must be enable, disable or notOnPrimary, got ${String(c.consolidator)}`,
    );
  }
  return c;
}
