import { defineService, serverStream, unary } from '../rpc/index.js';
import type { QueryResult, ResultEvent } from '../sqltypes/index.js';
import type { ExecuteRequest as EngineRequest } from './query-executor.js';
import type { ReplicationStatus } from './replication.js';
import type { TabletTarget, TabletType } from './tablet-target.js';

/*
 * The wire contracts of a tablet: QueryService (what the gate calls to run queries) and TabletManager (what
 * ctl/ctld call to administer the tablet and its mysqld). Both are served on the tablet's RPC port; clients
 * get typed stubs with `QueryService.client(rpcClient)`. Errors are VtErrors with the codes Vitess uses.
 */

/** Per-request options (Vitess's ExecuteOptions subset). */
export interface QueryOptions {
  /** Lowers the tablet's query timeout for this request (never raises it). */
  readonly queryTimeoutMs?: number;
  /** Opt out of the consolidator. */
  readonly skipConsolidator?: boolean;
  /** The effective caller (query rules match User on it). */
  readonly callerUser?: string;
  /** The gate's client set CLIENT_FOUND_ROWS (UPDATE reports rows matched, not changed); Vitess's client_found_rows. */
  readonly clientFoundRows?: boolean;
}

export interface ExecuteRequest {
  readonly target: TabletTarget;
  readonly sql: string;
  /** As the query engine takes them (src/core/sql bind variables). */
  readonly bindVars?: EngineRequest['bindVars'];
  /** Run inside this transaction (0/absent: autocommit). */
  readonly transactionId?: number;
  /** Run on this reserved connection. */
  readonly reservedId?: number;
  readonly options?: QueryOptions;
}

export interface BeginRequest {
  readonly target: TabletTarget;
  readonly reservedId?: number;
  readonly options?: QueryOptions;
}

export interface TransactionRequest {
  readonly target: TabletTarget;
  readonly transactionId: number;
}

/** Commit/Rollback reply: the reserved id when the connection stays reserved, else 0. */
export interface TransactionReply {
  readonly reservedId: number;
}

/** BeginExecute/ReserveExecute/ReserveBeginExecute: ids are valid even when the statement failed (`error`). */
export interface StatefulReply {
  readonly transactionId: number;
  readonly reservedId: number;
  readonly result?: QueryResult;
  readonly error?: {
    readonly code: string;
    readonly message: string;
    readonly errno: number;
    readonly sqlState: string;
  };
}

export interface ReserveRequest extends ExecuteRequest {
  /** Session settings applied to the reserved connection before the statement (e.g. "set sql_mode = ''"). */
  readonly preQueries?: readonly string[];
}

export interface ReleaseRequest {
  readonly target: TabletTarget;
  readonly transactionId?: number;
  readonly reservedId?: number;
}

/** One StreamHealth message (Vitess's StreamHealthResponse, flattened). */
export interface HealthMessage {
  readonly target: TabletTarget;
  readonly serving: boolean;
  readonly tabletAlias: string;
  readonly tabletType: TabletType;
  /** ISO-8601; null unless the tablet is a primary. */
  readonly primaryTermStartTime: string | null;
  readonly replicationLagSeconds: number;
  /** Why the tablet is unhealthy or degraded ('' when fine). */
  readonly lastError: string;
}

export const QueryService = defineService('queryservice', {
  Execute: unary<ExecuteRequest, QueryResult>(),
  StreamExecute: serverStream<ExecuteRequest, ResultEvent>(),
  Begin: unary<BeginRequest, { readonly transactionId: number }>(),
  Commit: unary<TransactionRequest, TransactionReply>(),
  Rollback: unary<TransactionRequest, TransactionReply>(),
  BeginExecute: unary<ExecuteRequest, StatefulReply>(),
  ReserveExecute: unary<ReserveRequest, StatefulReply>(),
  ReserveBeginExecute: unary<ReserveRequest, StatefulReply>(),
  Release: unary<ReleaseRequest, void>(),
  StreamHealth: serverStream<Record<string, never>, HealthMessage>(),
});

// ---- TabletManager ----------------------------------------------------------------------------------------

export interface ColumnDefinition {
  readonly name: string;
  readonly type: string;
  readonly nullable: boolean;
  readonly key: string;
  readonly default: string | null;
}

export interface TableDefinition {
  readonly name: string;
  /** 'BASE TABLE' or 'VIEW'. */
  readonly type: string;
  /** SHOW CREATE TABLE / VIEW output. */
  readonly schema: string;
  readonly columns: readonly ColumnDefinition[];
  readonly primaryKeyColumns: readonly string[];
  /** information_schema estimates. */
  readonly rowCount: number;
  readonly dataLength: number;
}

export interface SchemaDefinition {
  readonly databaseSchema: string;
  readonly tableDefinitions: readonly TableDefinition[];
}

export interface FetchRequest {
  readonly sql: string;
  /** Default: the tablet's database. '' runs without a default database. */
  readonly database?: string;
  /** Fails (RESOURCE_EXHAUSTED) when the result has more rows; default 10000. */
  readonly maxRows?: number;
  /** Keep these statements out of the binlog (sql_log_bin = 0), e.g. for per-tablet fixes. */
  readonly disableBinlogs?: boolean;
  /** Re-read the schema afterwards. */
  readonly reloadSchema?: boolean;
}

export interface ApplySchemaRequest {
  /** One or more statements separated by ';'. */
  readonly sql: string;
  readonly disableBinlogs?: boolean;
}

export interface ApplySchemaReply {
  readonly beforeSchema: SchemaDefinition;
  readonly afterSchema: SchemaDefinition;
}

/** Where a replica replicates from: the primary's alias and mysqld address. */
export interface ReplicationSourceSpec {
  readonly primaryAlias: string;
  readonly host: string;
  readonly port: number;
}

export interface InitReplicaRequest extends ReplicationSourceSpec {
  /** The primary's position when it became primary; the replica starts right after it. */
  readonly position: string;
  /** When set, InitReplica waits (up to waitTimeoutMs) until the journal row written at this time replicated. */
  readonly timeCreatedNs?: bigint;
  readonly waitTimeoutMs?: number;
}

export interface FullStatus {
  readonly tabletAlias: string;
  readonly tabletType: TabletType;
  readonly serving: boolean;
  readonly serverId: number;
  readonly serverUuid: string;
  readonly version: string;
  readonly versionComment: string;
  readonly readOnly: boolean;
  /** @@gtid_binlog_pos: what this server binlogged (the primary position). */
  readonly primaryPosition: string;
  /** @@gtid_current_pos: what it has executed, whatever its role. */
  readonly currentPosition: string;
  readonly gtidStrictMode: boolean;
  readonly binlogFormat: string;
  readonly replicationStatus: ReplicationStatus | null;
  readonly replicationLagSeconds: number | null;
  readonly primaryTermStartTime: string | null;
}

export const TabletManagerService = defineService('tabletmanager', {
  Ping: unary<{ readonly payload: string }, { readonly payload: string }>(),
  GetSchema: unary<{ readonly tables?: readonly string[] }, SchemaDefinition>(),
  ReloadSchema: unary<Record<string, never>, void>(),
  ApplySchema: unary<ApplySchemaRequest, ApplySchemaReply>(),
  ExecuteFetchAsDba: unary<FetchRequest, QueryResult>(),
  ExecuteFetchAsApp: unary<FetchRequest, QueryResult>(),
  ChangeType: unary<{ readonly tabletType: TabletType }, void>(),
  SetReadOnly: unary<Record<string, never>, void>(),
  SetReadWrite: unary<Record<string, never>, void>(),
  PrimaryPosition: unary<Record<string, never>, { readonly position: string }>(),
  WaitForPosition: unary<{ readonly position: string; readonly timeoutMs?: number }, void>(),
  StopReplication: unary<Record<string, never>, void>(),
  StartReplication: unary<Record<string, never>, void>(),
  SetReplicationSource: unary<ReplicationSourceSpec, void>(),
  ReplicationStatus: unary<Record<string, never>, { readonly status: ReplicationStatus | null }>(),
  InitPrimary: unary<Record<string, never>, { readonly position: string; readonly primaryTermStartTime: string }>(),
  InitReplica: unary<InitReplicaRequest, void>(),
  PopulateReparentJournal: unary<
    {
      readonly timeCreatedNs: bigint;
      readonly actionName: string;
      readonly primaryAlias: string;
      readonly position: string;
    },
    void
  >(),
  FullStatus: unary<Record<string, never>, FullStatus>(),
});
