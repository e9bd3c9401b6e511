/**
 * Cancellation of the running query of one connection, reused from query to query. The AbortSignal is created
 * only when the handler first reads `signal`, and handed out again to the next query as long as it never fired:
 * in Node 20 creating an AbortController costs several microseconds, as much as the rest of a trivial query's
 * protocol work. Contract for handlers: listeners added to the signal must be removed when the query's work
 * ends (as the RPC client does), and the signal must not be kept past the query, since a later query of the
 * same connection may get, and abort, the same signal.
 */
export class QueryCancel {
  private controller: AbortController | undefined;
  private cancelled = false;

  get signal(): AbortSignal {
    this.controller ??= new AbortController();
    if (this.cancelled && !this.controller.signal.aborted) this.controller.abort();
    return this.controller.signal;
  }

  get isCancelled(): boolean {
    return this.cancelled;
  }

  /** Readies the object for the connection's next query: a signal that fired is replaced (lazily). */
  reset(): void {
    if (!this.cancelled) return;
    this.cancelled = false;
    this.controller = undefined;
  }

  /** Aborts the signal (now, or when first read); false if already cancelled. */
  cancel(): boolean {
    if (this.cancelled) return false;
    this.cancelled = true;
    this.controller?.abort();
    return true;
  }
}
