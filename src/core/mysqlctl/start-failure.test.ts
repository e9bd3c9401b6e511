import { describe, expect, it } from 'vitest';
import { startFailure } from './start-failure.js';

describe('startFailure', () => {
  it('names a port conflict and quotes the log lines', () => {
    const tail = [
      "2026-11-26 4:01:27 0 [ERROR] Can't start server: Bind on TCP/IP port. Got error: 98: Address already in use",
      '2026-11-26 4:01:27 0 [ERROR] Aborting',
    ];
    const e = startFailure(100, 17100, 'exit code 1', tail);
    expect(e.code).toBe('UNAVAILABLE');
    expect(e.reason).toBe('MysqldStartFailed');
    expect(e.message.split('\n')[0]).toBe(
      'mysqld for tablet 100 failed to start: port 17100 is already in use (exit code 1)',
    );
    expect(e.message).toContain('Aborting');
  });

  it('says so when the log is empty', () => {
    expect(startFailure(1, 2, 'not ready after 10 ms', []).message).toContain('(error.log is empty)');
  });
});
