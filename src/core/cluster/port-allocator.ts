import { createServer } from 'node:net';
import { Err } from '../errors/index.js';
import { findFreePort } from '../net/free-port.js';

/** A port the allocator handed out, and whether it is the one asked for. */
export interface AllocatedPort {
  readonly port: number;
  readonly wanted: number;
  readonly moved: boolean;
}

/**
 * Hands out the ports of one cluster: the wanted port when nobody listens on it (on any interface) and this
 * allocator has not handed it out already, else (unless `required`) a free port from the kernel. The check
 * is advisory: a port can be taken between the check and the server binding it, which then fails and is
 * reported by whoever starts the server.
 */
export class PortAllocator {
  private readonly used = new Set<number>();

  /** Throws UNAVAILABLE naming `what` when a `required` port is taken. */
  async allocate(wanted: number, what: string, o: { required?: boolean } = {}): Promise<AllocatedPort> {
    if (!this.used.has(wanted) && (await isPortFree(wanted))) {
      this.used.add(wanted);
      return { port: wanted, wanted, moved: false };
    }
    if (o.required) throw Err.unavailable(`${what} port ${wanted} is already in use`);
    for (let attempt = 0; attempt < 20; attempt++) {
      const port = await findFreePort('0.0.0.0');
      if (!this.used.has(port)) {
        this.used.add(port);
        return { port, wanted, moved: true };
      }
    }
    throw Err.unavailable(`no free port found for ${what}`);
  }
}

/**
 * True when a listener can bind `port` on all interfaces right now. Binding the wildcard address fails when
 * any address (loopback included) already has a listener on that port, which is what matters here: tablets
 * listen on all interfaces, mysqld and the gate on loopback.
 */
export function isPortFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.unref();
    server.once('error', () => resolve(false));
    server.listen({ port, host: '0.0.0.0', exclusive: true }, () => server.close(() => resolve(true)));
  });
}
