import { readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Err } from '../errors/index.js';
import { errCode, tempName } from './local-owner-file.js';

/**
 * On-disk form of one local-store value: a header line `VT1 <version>\n` followed by the raw bytes. Value and
 * version live in one file so that a single rename() replaces both atomically.
 */
const MAGIC = 'VT1 ';

export interface StoredValue {
  readonly value: Buffer;
  readonly version: bigint;
}

/** Reads a value file; undefined when there is no value at `file` (missing, or a directory). */
export async function readValueFile(file: string): Promise<StoredValue | undefined> {
  let raw: Buffer;
  try {
    raw = await readFile(file);
  } catch (e) {
    const code = errCode(e);
    if (code === 'ENOENT' || code === 'EISDIR' || code === 'ENOTDIR') return undefined;
    throw e;
  }
  const nl = raw.indexOf(0x0a);
  const header = nl < 0 ? '' : raw.subarray(0, nl).toString('latin1');
  if (!header.startsWith(MAGIC) || !/^\d+$/.test(header.slice(MAGIC.length))) {
    throw Err.internal(`local topo: ${file} is not a topology value file (bad header)`);
  }
  return { value: Buffer.from(raw.subarray(nl + 1)), version: BigInt(header.slice(MAGIC.length)) };
}

/** Atomically replaces `file` with `value` at `version` (temp file in the same directory + rename). */
export async function writeValueFile(file: string, value: Buffer, version: bigint): Promise<void> {
  const tmp = tempName(dirname(file));
  try {
    await writeFile(tmp, Buffer.concat([Buffer.from(`${MAGIC}${version}\n`, 'latin1'), value]));
    await rename(tmp, file);
  } catch (e) {
    await unlink(tmp).catch(() => {});
    throw e;
  }
}
