import { expect } from 'vitest';
import { VtError } from '../../src/core/errors/index.js';

/** Awaits `p`, which must reject with a VtError, and returns that error (for errno/SQLSTATE/code assertions). */
export async function failure(p: Promise<unknown>): Promise<VtError> {
  try {
    await p;
  } catch (err) {
    expect(err).toBeInstanceOf(VtError);
    return err as VtError;
  }
  throw new Error('expected the call to fail');
}
