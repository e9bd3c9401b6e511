import { describe, expect, it } from 'vitest';
import { QueryCancel } from './query-cancel.js';

describe('QueryCancel', () => {
  it('a signal read before cancel() fires once, with listeners called', () => {
    const q = new QueryCancel();
    const s = q.signal;
    let calls = 0;
    s.addEventListener('abort', () => calls++);
    expect(s.aborted).toBe(false);
    expect(q.cancel()).toBe(true);
    expect(q.cancel()).toBe(false);
    expect(s.aborted).toBe(true);
    expect(calls).toBe(1);
    expect(q.signal).toBe(s);
  });

  it('a signal first read after cancel() is already aborted', () => {
    const q = new QueryCancel();
    q.cancel();
    expect(q.isCancelled).toBe(true);
    expect(q.signal.aborted).toBe(true);
  });

  it('reset() keeps a signal that never fired and replaces one that did', () => {
    const q = new QueryCancel();
    const first = q.signal;
    q.reset();
    expect(q.signal).toBe(first);
    q.cancel();
    expect(first.aborted).toBe(true);
    q.reset();
    expect(q.isCancelled).toBe(false);
    const next = q.signal;
    expect(next).not.toBe(first);
    expect(next.aborted).toBe(false);
    expect(q.cancel()).toBe(true);
    expect(next.aborted).toBe(true);
  });
});
