import { VtError } from '../errors/index.js';

/**
 * Constructors for the topology conditions listed in topo-conn.ts. Every backend builds its errors here so the
 * (code, reason) pair for a condition is the same whichever backend produced it; callers test `reason`
 * (isReason(e, 'NoNode')), never the message.
 */

export function noNode(path: string): VtError {
  return new VtError('NOT_FOUND', `node doesn't exist: ${path}`, { reason: 'NoNode' });
}

export function nodeExists(path: string): VtError {
  return new VtError('ALREADY_EXISTS', `node already exists: ${path}`, { reason: 'NodeExists' });
}

export function badVersion(path: string): VtError {
  return new VtError('FAILED_PRECONDITION', `bad node version: ${path}`, { reason: 'BadVersion' });
}

export function lockTimeout(path: string): VtError {
  return new VtError('DEADLINE_EXCEEDED', `deadline exceeded while waiting for the lock on ${path}`, {
    reason: 'Timeout',
  });
}

export function interrupted(path: string): VtError {
  return new VtError('CANCELED', `interrupted: ${path}`, { reason: 'Interrupted' });
}

export function topoUnavailable(detail: string, cause?: unknown): VtError {
  return new VtError('UNAVAILABLE', `topology server unavailable: ${detail}`, { reason: 'Unavailable', cause });
}

/** A closed connection is a caller bug, but it is reported like any unreachable backend so retries behave. */
export function topoClosed(): VtError {
  return topoUnavailable('connection is closed');
}
