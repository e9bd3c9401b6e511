import { parseRecordJson, RecordReader } from './record-reader.js';

/**
 * Where a cell's topology lives, stored globally at /cells/<cell>/CellInfo. `server_address` is the cell
 * store's address (etcd endpoints; ignored by the local store); `root` is the cell's root inside it (a key
 * prefix for etcd, a directory for the local store). A cell may share the global store with another root.
 */
export interface CellInfo {
  readonly server_address: string;
  readonly root: string;
}

export function decodeCellInfo(data: Buffer | string, where: string): CellInfo {
  const r = new RecordReader(parseRecordJson('CellInfo', where, data), 'CellInfo', where);
  return { ...r.obj, server_address: r.string('server_address', ''), root: r.string('root', '') };
}
