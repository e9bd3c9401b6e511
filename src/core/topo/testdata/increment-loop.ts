import { VtError } from '../../errors/index.js';
import type { TopoConn } from '../topo-conn.js';

/** Read-modify-write `n` increments of a decimal counter with update-with-version, retrying on BadVersion. */
export async function incrementLoop(conn: TopoConn, path: string, n: number): Promise<void> {
  for (let i = 0; i < n;) {
    const cur = await conn.get(path);
    try {
      await conn.update(path, Buffer.from(String(Number(cur.value.toString()) + 1)), cur.version);
      i++;
    } catch (e) {
      if (!(e instanceof VtError && e.reason === 'BadVersion')) throw e;
    }
  }
}
