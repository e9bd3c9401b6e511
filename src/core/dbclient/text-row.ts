import { Charset, MysqlType, type Field, type SqlValue } from '../sqltypes/index.js';
import { malformed } from './client-errors.js';

/**
 * How a column's text-protocol values become SqlValues, as vt has always seen them: every value is MySQL's text;
 * binary strings, blobs, BIT and GEOMETRY (collation 63, `binary`) are Buffers; everything else (numbers,
 * decimals, dates and times, JSON, text in the connection's utf8mb4) is a string decoded as UTF-8. Numbers and
 * temporals also carry collation 63 but are ASCII text, so the collation alone does not decide.
 */
export function isBinaryColumn(f: Pick<Field, 'type' | 'charset'>): boolean {
  switch (f.type) {
    case MysqlType.GEOMETRY:
    case MysqlType.BIT:
      return true;
    case MysqlType.VARCHAR:
    case MysqlType.VAR_STRING:
    case MysqlType.STRING:
    case MysqlType.ENUM:
    case MysqlType.SET:
    case MysqlType.TINY_BLOB:
    case MysqlType.MEDIUM_BLOB:
    case MysqlType.LONG_BLOB:
    case MysqlType.BLOB:
    case MysqlType.VECTOR:
      return f.charset === Charset.binary;
    default:
      return false;
  }
}

/**
 * One ProtocolText::ResultsetRow read from `buf[start, end)`: NULL (0xfb) is null, binary columns (per `binary`,
 * one flag per column) are copied out so that a kept row does not pin the received chunk, all others are decoded
 * as UTF-8. Throws `malformed` when the values do not exactly fill the packet.
 */
export function readTextRow(buf: Buffer, start: number, end: number, binary: Uint8Array): SqlValue[] {
  const n = binary.length;
  const row: SqlValue[] = new Array<SqlValue>(n);
  let pos = start;
  for (let i = 0; i < n; i++) {
    if (pos >= end) throw malformed('truncated row');
    let len = buf[pos]!;
    if (len < 0xfb) {
      pos += 1;
    } else if (len === 0xfb) {
      row[i] = null;
      pos += 1;
      continue;
    } else if (len === 0xfc) {
      len = buf[pos + 1]! | (buf[pos + 2]! << 8);
      pos += 3;
    } else if (len === 0xfd) {
      len = buf[pos + 1]! | (buf[pos + 2]! << 8) | (buf[pos + 3]! << 16);
      pos += 4;
    } else if (len === 0xfe) {
      len = buf.readUInt32LE(pos + 1) + buf.readUInt32LE(pos + 5) * 0x1_0000_0000;
      pos += 9;
    } else {
      throw malformed('bad value length in row');
    }
    const stop = pos + len;
    if (stop > end) throw malformed('truncated row');
    if (binary[i] === 0) {
      row[i] = buf.toString('utf8', pos, stop);
    } else {
      const b = Buffer.allocUnsafe(len);
      buf.copy(b, 0, pos, stop);
      row[i] = b;
    }
    pos = stop;
  }
  if (pos !== end) throw malformed('row longer than its columns');
  return row;
}
