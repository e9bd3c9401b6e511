import { Err } from '../errors/index.js';
import type { Field } from '../sqltypes/field.js';
import { ColumnFlag, MysqlType } from '../sqltypes/mysql-type.js';
import type { Row, SqlValue } from '../sqltypes/result.js';
import type { PacketWriter } from './packet-writer.js';

/**
 * ProtocolBinary::ResultsetRow: 0x00, NULL bitmap (offset 2), then each non-NULL value in the binary form of its
 * column type, converted from the text form the handler produced. A value that does not parse as its column's
 * type (e.g. "abc" in an INT column) throws a VtError (1105) rather than sending garbage.
 */
export function writeBinaryRow(w: PacketWriter, fields: readonly Field[], row: Row): void {
  const n = fields.length;
  w.begin().u8(0);
  const bitmapLen = (n + 9) >> 3;
  let bits = 0;
  let byteIdx = 0;
  for (let i = 0; i < n; i++) {
    const bit = i + 2;
    if (bit >> 3 !== byteIdx) {
      w.u8(bits);
      bits = 0;
      byteIdx++;
    }
    if (row[i] === null || row[i] === undefined) bits |= 1 << (bit & 7);
  }
  w.u8(bits);
  for (byteIdx++; byteIdx < bitmapLen; byteIdx++) w.u8(0);
  for (let i = 0; i < n; i++) {
    const v = row[i];
    if (v !== null && v !== undefined) writeBinaryValue(w, fields[i]!, v);
  }
  w.end();
}

function text(v: SqlValue): string {
  return typeof v === 'string' ? v : (v as Buffer).toString('latin1');
}

function badValue(f: Field, v: SqlValue): never {
  throw Err.internal(`cannot encode value '${text(v).slice(0, 64)}' of column '${f.name}' as type ${f.type}`);
}

function int(f: Field, v: SqlValue): number {
  const n = Number(text(v));
  if (!Number.isInteger(n)) badValue(f, v);
  return n;
}

export function writeBinaryValue(w: PacketWriter, f: Field, v: string | Buffer): void {
  const unsigned = (f.flags & ColumnFlag.UNSIGNED) !== 0;
  switch (f.type) {
    case MysqlType.TINY: {
      const n = int(f, v);
      if (unsigned) w.u8(n & 0xff);
      else w.i8(((n & 0xff) << 24) >> 24);
      return;
    }
    case MysqlType.SHORT:
    case MysqlType.YEAR: {
      const n = int(f, v);
      w.u16(n & 0xffff);
      return;
    }
    case MysqlType.LONG:
    case MysqlType.INT24:
      w.u32(int(f, v) >>> 0);
      return;
    case MysqlType.LONGLONG:
      writeInt64(w, f, v);
      return;
    case MysqlType.FLOAT: {
      const n = Number(text(v));
      if (Number.isNaN(n)) badValue(f, v);
      w.f32(n);
      return;
    }
    case MysqlType.DOUBLE: {
      const n = Number(text(v));
      if (Number.isNaN(n)) badValue(f, v);
      w.f64(n);
      return;
    }
    case MysqlType.DATE:
    case MysqlType.DATETIME:
    case MysqlType.TIMESTAMP:
    case MysqlType.NEWDATE:
      writeDateTime(w, f, v);
      return;
    case MysqlType.TIME:
      writeTime(w, f, v);
      return;
    default:
      if (typeof v === 'string') w.lenencString(v);
      else w.lenencBytes(v);
  }
}

function writeInt64(w: PacketWriter, f: Field, v: SqlValue): void {
  const s = text(v);
  if (s.length <= 15) {
    const n = Number(s);
    if (!Number.isInteger(n)) badValue(f, v);
    w.u32(n >>> 0);
    w.i32(Math.floor(n / 4294967296) | 0);
    return;
  }
  let b: bigint;
  try {
    b = BigInt(s);
  } catch {
    badValue(f, v);
  }
  w.u64(BigInt.asUintN(64, b));
}

/** Parses the decimal digits s[a..b); -1 if any is not a digit. */
function digits(s: string, a: number, b: number): number {
  let n = 0;
  for (let i = a; i < b; i++) {
    const c = s.charCodeAt(i) - 48;
    if (c < 0 || c > 9) return -1;
    n = n * 10 + c;
  }
  return n;
}

/** ".ffffff" (1-6 digits) starting at s[a] == '.', scaled to microseconds; 0 when absent. */
function micros(s: string, a: number): number {
  if (a >= s.length) return 0;
  if (s.charCodeAt(a) !== 46) return -1;
  const frac = s.slice(a + 1, a + 7);
  const n = digits(frac, 0, frac.length);
  return n < 0 || frac.length === 0 ? -1 : n * 10 ** (6 - frac.length);
}

/** 'YYYY-MM-DD[ HH:MM:SS[.ffffff]]' in the 0/4/7/11-byte binary form. */
function writeDateTime(w: PacketWriter, f: Field, v: SqlValue): void {
  const s = text(v);
  const year = digits(s, 0, 4);
  const month = digits(s, 5, 7);
  const day = digits(s, 8, 10);
  let hour = 0;
  let minute = 0;
  let second = 0;
  let micro = 0;
  if (s.length > 10) {
    hour = digits(s, 11, 13);
    minute = digits(s, 14, 16);
    second = digits(s, 17, 19);
    micro = micros(s, 19);
  }
  if (s.length < 10 || year < 0 || month < 0 || day < 0 || hour < 0 || minute < 0 || second < 0 || micro < 0) {
    badValue(f, v);
  }
  if (micro !== 0) w.u8(11).u16(year).u8(month).u8(day).u8(hour).u8(minute).u8(second).u32(micro);
  else if (hour !== 0 || minute !== 0 || second !== 0)
    w.u8(7).u16(year).u8(month).u8(day).u8(hour).u8(minute).u8(second);
  else if (year !== 0 || month !== 0 || day !== 0) w.u8(4).u16(year).u8(month).u8(day);
  else w.u8(0);
}

/** '[-]H+:MM:SS[.ffffff]' in the 0/8/12-byte binary form (days + hours split, sign byte). */
function writeTime(w: PacketWriter, f: Field, v: SqlValue): void {
  const s = text(v);
  const neg = s.charCodeAt(0) === 45 ? 1 : 0;
  const c1 = s.indexOf(':', neg);
  const hours = c1 > neg ? digits(s, neg, c1) : -1;
  const minute = digits(s, c1 + 1, c1 + 3);
  const second = digits(s, c1 + 4, c1 + 6);
  const micro = micros(s, c1 + 6);
  if (c1 < 0 || hours < 0 || minute < 0 || second < 0 || micro < 0 || s.charCodeAt(c1 + 3) !== 58) badValue(f, v);
  const days = Math.floor(hours / 24);
  const hour = hours % 24;
  if (micro !== 0) w.u8(12).u8(neg).u32(days).u8(hour).u8(minute).u8(second).u32(micro);
  else if (hours !== 0 || minute !== 0 || second !== 0) w.u8(8).u8(neg).u32(days).u8(hour).u8(minute).u8(second);
  else w.u8(0);
}
