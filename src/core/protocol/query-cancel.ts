/**
 * Cancellation of one running query. The AbortSignal is created only when the handler first reads `signal`:
 * in Node 20 creating an AbortSignal costs several microseconds, as much as the rest of a trivial query's
 * protocol work, so queries whose handler never looks at it do not pay for it.
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

  /** Aborts the signal (now, or when first read); false if already cancelled. */
  cancel(): boolean {
    if (this.cancelled) return false;
    this.cancelled = true;
    this.controller?.abort();
    return true;
  }
}
