import { createServer } from 'node:net';
import { Err, VtError } from '../errors/index.js';

/**
 * Asks the kernel for a currently free TCP port on `host` (bind to port 0, read it, close). The port can be
 * taken by someone else before the caller binds it; callers that start servers retry on EADDRINUSE.
 */
export function findFreePort(host = '127.0.0.1'): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', (e) => reject(VtError.from(e, 'UNAVAILABLE')));
    server.listen({ port: 0, host, exclusive: true }, () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(Err.internal('could not determine a free port'))));
    });
  });
}
