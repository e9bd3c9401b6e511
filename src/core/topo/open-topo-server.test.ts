import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cellTopoOptions } from './open-topo-server.js';

describe('cellTopoOptions', () => {
  it('etcd: the cell root as key prefix, on the cell server or the global one', () => {
    const global = { implementation: 'etcd' as const, serverAddress: 'g:2379', root: '/vitess/global' };
    expect(cellTopoOptions(global, { server_address: '', root: '/vitess/zone1' })).toEqual({
      implementation: 'etcd',
      serverAddress: 'g:2379',
      root: '/vitess/zone1',
    });
    expect(cellTopoOptions(global, { server_address: 'c:2379', root: '/z' }).serverAddress).toBe('c:2379');
  });

  it('local: cell roots are directories under the data root holding the global store', () => {
    const global = { implementation: 'local' as const, root: '/data/vt/topo' };
    expect(cellTopoOptions(global, { server_address: '', root: '/vitess/zone1' }).root).toBe('/data/vt/vitess/zone1');
    expect(cellTopoOptions(global, { server_address: '', root: 'cells/zone2' }).root).toBe('/data/vt/cells/zone2');
    const relative = { implementation: 'local' as const, root: 'vtdataroot/topo' };
    expect(cellTopoOptions(relative, { server_address: 'ignored', root: '/vitess/zone1' }).root).toBe(
      join(process.cwd(), 'vtdataroot/vitess/zone1'),
    );
  });
});
