/**
 * The one error type that crosses layers. Every failure that can reach a client, an operator or another
 * process is a VtError: it carries a Vitess RPC code (what kind of failure, used for retry decisions),
 * a MySQL errno + SQLSTATE (what a MySQL client sees in the ERR packet) and, for topology and other
 * typed conditions, a machine-readable `reason` (e.g. "NodeExists") so callers never match on messages.
 */

/** Vitess's vtrpc codes (same names and meanings). */
export type VtCode =
  | 'OK'
  | 'CANCELED'
  | 'UNKNOWN'
  | 'INVALID_ARGUMENT'
  | 'DEADLINE_EXCEEDED'
  | 'NOT_FOUND'
  | 'ALREADY_EXISTS'
  | 'PERMISSION_DENIED'
  | 'RESOURCE_EXHAUSTED'
  | 'FAILED_PRECONDITION'
  | 'ABORTED'
  | 'OUT_OF_RANGE'
  | 'UNIMPLEMENTED'
  | 'INTERNAL'
  | 'UNAVAILABLE'
  | 'DATA_LOSS'
  | 'UNAUTHENTICATED'
  | 'CLUSTER_EVENT'
  | 'READ_ONLY';

export interface VtErrorOptions {
  /** MySQL error number; defaults to 1105 (ER_UNKNOWN_ERROR), as Vitess does for non-MySQL failures. */
  readonly errno?: number;
  /** MySQL SQLSTATE (5 chars); defaults to HY000. */
  readonly sqlState?: string;
  /** Machine-readable condition, e.g. 'NodeExists', 'NoNode', 'BadVersion' for the topology. */
  readonly reason?: string;
  readonly cause?: unknown;
}

export class VtError extends Error {
  readonly code: VtCode;
  readonly errno: number;
  readonly sqlState: string;
  readonly reason: string | undefined;

  constructor(code: VtCode, message: string, options: VtErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'VtError';
    this.code = code;
    this.errno = options.errno ?? ER_UNKNOWN_ERROR;
    this.sqlState = options.sqlState ?? SS_UNKNOWN;
    this.reason = options.reason;
  }

  /** Plain-object form used by the RPC layer; `fromJSON` restores an equal error on the other side. */
  toJSON(): VtErrorJson {
    return { code: this.code, message: this.message, errno: this.errno, sqlState: this.sqlState, reason: this.reason };
  }

  static fromJSON(j: VtErrorJson): VtError {
    return new VtError(j.code, j.message, { errno: j.errno, sqlState: j.sqlState, reason: j.reason });
  }

  /**
   * Wraps anything thrown into a VtError. A VtError passes through unchanged; an error that carries MySQL
   * fields (mysql2's `errno` + `sqlState`) keeps them; anything else becomes UNKNOWN/1105/HY000.
   */
  static from(err: unknown, code: VtCode = 'UNKNOWN'): VtError {
    if (err instanceof VtError) return err;
    if (err instanceof Error) {
      const e = err as Error & { errno?: unknown; sqlState?: unknown; sqlMessage?: unknown };
      if (typeof e.errno === 'number' && typeof e.sqlState === 'string') {
        const msg = typeof e.sqlMessage === 'string' ? e.sqlMessage : e.message;
        return new VtError(code, msg, { errno: e.errno, sqlState: e.sqlState, cause: err });
      }
      return new VtError(code, err.message, { cause: err });
    }
    return new VtError(code, String(err));
  }
}

export interface VtErrorJson {
  readonly code: VtCode;
  readonly message: string;
  readonly errno: number;
  readonly sqlState: string;
  readonly reason?: string | undefined;
}

export const ER_UNKNOWN_ERROR = 1105;
export const SS_UNKNOWN = 'HY000';

/** True when `err` is a VtError with the given reason (e.g. isReason(e, 'NoNode')). */
export function isReason(err: unknown, reason: string): boolean {
  return err instanceof VtError && err.reason === reason;
}
