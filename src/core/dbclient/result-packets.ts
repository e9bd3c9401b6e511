import type { Field, MysqlType } from '../sqltypes/index.js';
import { malformed, serverError } from './client-errors.js';
import type { VtError } from '../errors/index.js';
import { PacketReader } from '../protocol/packet-reader.js';

/**
 * Decoders for the server's replies to COM_QUERY (text protocol, PROTOCOL_41, no SESSION_TRACK): OK, EOF, ERR,
 * ColumnDefinition41 and text rows. Each takes the packet as (buf, start, end) so that rows are read straight
 * from the received chunk without a view object per packet. Truncated or inconsistent packets throw a VtError
 * (the caller then closes the connection, whose state is unknown); nothing else is thrown.
 */

/** The end of one result: an OK packet, or the EOF/OK after a result set's rows. */
export interface ResultEnd {
  readonly affectedRows: number | bigint;
  /** bigint only above Number.MAX_SAFE_INTEGER. */
  readonly insertId: number | bigint;
  readonly statusFlags: number;
  readonly warnings: number;
  /** Human-readable message, e.g. "Rows matched: 1  Changed: 1  Warnings: 0"; '' when none. */
  readonly info: string;
}

const TWO_32 = 0x1_0000_0000;

/** A length-encoded integer at `pos` (first byte < 0xfb, 0xfc, 0xfd or 0xfe); returns [value, next pos]. */
function lenenc(buf: Buffer, pos: number, end: number): [number | bigint, number] {
  if (pos >= end) throw malformed('truncated length-encoded integer');
  const b = buf[pos]!;
  if (b < 0xfb) return [b, pos + 1];
  if (b === 0xfc && pos + 3 <= end) return [buf[pos + 1]! | (buf[pos + 2]! << 8), pos + 3];
  if (b === 0xfd && pos + 4 <= end) return [buf[pos + 1]! | (buf[pos + 2]! << 8) | (buf[pos + 3]! << 16), pos + 4];
  if (b === 0xfe && pos + 9 <= end) {
    const lo = buf.readUInt32LE(pos + 1);
    const hi = buf.readUInt32LE(pos + 5);
    const n = hi * TWO_32 + lo;
    return [n <= Number.MAX_SAFE_INTEGER ? n : buf.readBigUInt64LE(pos + 1), pos + 9];
  }
  throw malformed(`bad length-encoded integer 0x${b.toString(16)}`);
}

/** OK packet (header 0x00, or 0xfe when it ends a result set under DEPRECATE_EOF). */
export function parseOk(buf: Buffer, start: number, end: number): ResultEnd {
  const [affectedRows, p1] = lenenc(buf, start + 1, end);
  const [insertId, p2] = lenenc(buf, p1, end);
  if (p2 + 4 > end) throw malformed('truncated OK packet');
  const statusFlags = buf[p2]! | (buf[p2 + 1]! << 8);
  const warnings = buf[p2 + 2]! | (buf[p2 + 3]! << 8);
  // The protocol documents info as string<EOF> without SESSION_TRACK, but servers (MariaDB, and what libmysql
  // reads) send it length-encoded.
  let info = '';
  if (p2 + 4 < end) {
    const [n, p3] = lenenc(buf, p2 + 4, end);
    info = typeof n === 'number' && p3 + n === end ? buf.toString('utf8', p3, end) : buf.toString('utf8', p2 + 4, end);
  }
  return { affectedRows, insertId, statusFlags, warnings, info };
}

/** EOF packet (0xfe, fewer than 9 bytes): warnings, then status flags. */
export function parseEof(buf: Buffer, start: number, end: number): ResultEnd {
  if (start + 5 > end) throw malformed('truncated EOF packet');
  const warnings = buf[start + 1]! | (buf[start + 2]! << 8);
  const statusFlags = buf[start + 3]! | (buf[start + 4]! << 8);
  return { affectedRows: 0, insertId: 0, statusFlags, warnings, info: '' };
}

/** ERR packet: errno, SQLSTATE (HY000 when the pre-4.1 form without '#' is sent) and message, as a VtError. */
export function parseErr(buf: Buffer, start: number, end: number): VtError {
  if (start + 3 > end) throw malformed('truncated ERR packet');
  const errno = buf[start + 1]! | (buf[start + 2]! << 8);
  if (start + 9 <= end && buf[start + 3] === 0x23 /* '#' */) {
    return serverError(errno, buf.toString('latin1', start + 4, start + 9), buf.toString('utf8', start + 9, end));
  }
  return serverError(errno, 'HY000', buf.toString('utf8', start + 3, end));
}

/** The column count that starts a result set. */
export function parseColumnCount(buf: Buffer, start: number, end: number): number {
  const [n, pos] = lenenc(buf, start, end);
  if (pos !== end || typeof n !== 'number' || n === 0) throw malformed('bad column count');
  return n;
}

/** Protocol::ColumnDefinition41 as a vt Field (not per row: parsed once per result). */
export function parseColumnDefinition(buf: Buffer, start: number, end: number): Field {
  const r = new PacketReader(buf.subarray(start, end));
  r.skip(r.lenencInt()); // catalog, always "def"
  const database = r.lenencString();
  const table = r.lenencString();
  const orgTable = r.lenencString();
  const name = r.lenencString();
  const orgName = r.lenencString();
  r.skip(1); // length of the fixed-length fields (0x0c)
  const charset = r.u16();
  const columnLength = r.u32();
  const type = r.u8() as MysqlType;
  const flags = r.u16();
  const decimals = r.u8();
  return { name, orgName, table, orgTable, database, type, charset, columnLength, flags, decimals };
}
