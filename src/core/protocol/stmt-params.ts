import { isUtf8 } from 'node:buffer';
import { ErrNo, VtError } from '../errors/index.js';
import { MysqlType } from '../sqltypes/mysql-type.js';
import type { SqlValue } from '../sqltypes/result.js';
import type { BoundParam } from './handler.js';
import type { PacketReader } from './packet-reader.js';

/** Parameter type as sent in COM_STMT_EXECUTE: type code plus the unsigned flag (0x80 of the second byte). */
export interface ParamType {
  readonly type: number;
  readonly unsigned: boolean;
}

export function wrongArguments(): VtError {
  return new VtError('INVALID_ARGUMENT', 'Incorrect arguments to mysqld_stmt_execute', {
    errno: ErrNo.ER_WRONG_ARGUMENTS,
    sqlState: 'HY000',
  });
}

function malformed(what: string): VtError {
  return new VtError('INVALID_ARGUMENT', `Malformed communication packet: ${what}`, {
    errno: ErrNo.ER_MALFORMED_PACKET,
    sqlState: 'HY000',
  });
}

/**
 * Decodes the parameter part of COM_STMT_EXECUTE (after stmt id, flags and iteration count): NULL bitmap,
 * new-params-bound flag, types (or `previousTypes` when the client did not rebind), then the values.
 * `longData[i]` holds COM_STMT_SEND_LONG_DATA chunks for parameter i, which then has no inline value.
 * Throws VtError: 1210 when no types were ever bound, 1835 for truncated values or unknown type codes.
 */
export function decodeExecuteParams(
  r: PacketReader,
  paramCount: number,
  previousTypes: readonly ParamType[] | undefined,
  longData: ReadonlyMap<number, Buffer[]>,
): { params: BoundParam[]; types: readonly ParamType[] } {
  if (paramCount === 0) return { params: [], types: [] };
  const nullBitmap = r.bytes((paramCount + 7) >> 3);
  const newParamsBound = r.u8();
  let types: readonly ParamType[];
  if (newParamsBound === 1) {
    const t: ParamType[] = new Array(paramCount);
    for (let i = 0; i < paramCount; i++) {
      const type = r.u8();
      const flag = r.u8();
      t[i] = { type, unsigned: (flag & 0x80) !== 0 };
    }
    types = t;
  } else if (newParamsBound === 0 && previousTypes !== undefined) {
    types = previousTypes;
  } else if (newParamsBound === 0) {
    throw wrongArguments();
  } else {
    throw malformed(`new-params-bound flag ${newParamsBound}`);
  }
  const params: BoundParam[] = new Array(paramCount);
  for (let i = 0; i < paramCount; i++) {
    const { type, unsigned } = types[i]!;
    const chunks = longData.get(i);
    let value: SqlValue;
    if (chunks !== undefined) value = fromBytes(type, Buffer.concat(chunks));
    else if (nullBitmap[i >> 3]! & (1 << (i & 7)) || type === MysqlType.NULL) value = null;
    else value = readValue(r, type, unsigned);
    params[i] = { type: type as MysqlType, unsigned, value };
  }
  return { params, types };
}

const stringTypes: ReadonlySet<number> = new Set<number>([
  MysqlType.VARCHAR,
  MysqlType.VAR_STRING,
  MysqlType.STRING,
  MysqlType.ENUM,
  MysqlType.SET,
  MysqlType.JSON,
  MysqlType.DECIMAL,
  MysqlType.NEWDECIMAL,
]);

const bytesTypes: ReadonlySet<number> = new Set<number>([
  MysqlType.TINY_BLOB,
  MysqlType.MEDIUM_BLOB,
  MysqlType.LONG_BLOB,
  MysqlType.BLOB,
  MysqlType.BIT,
  MysqlType.GEOMETRY,
  MysqlType.VECTOR,
]);

/** String-typed params become strings unless they are not valid UTF-8: then the exact bytes are kept. */
function fromBytes(type: number, b: Buffer): SqlValue {
  return stringTypes.has(type) && isUtf8(b) ? b.toString('utf8') : b;
}

function pad2(n: number): string {
  return n < 10 ? '0' + n : String(n);
}

function fraction(micro: number): string {
  return micro === 0 ? '' : '.' + String(micro).padStart(6, '0');
}

/** Shortest decimal text that reads back as the same float32 (what a client meant by a FLOAT parameter). */
export function float32Text(f: number): string {
  if (!Number.isFinite(f)) return String(f);
  for (let p = 1; p <= 9; p++) {
    const s = Number(f.toPrecision(p));
    if (Math.fround(s) === f) return String(s);
  }
  return String(f);
}

function readValue(r: PacketReader, type: number, unsigned: boolean): SqlValue {
  switch (type) {
    case MysqlType.TINY: {
      const v = r.u8();
      return String(unsigned ? v : (v << 24) >> 24);
    }
    case MysqlType.SHORT:
    case MysqlType.YEAR: {
      const v = r.u16();
      return String(unsigned ? v : (v << 16) >> 16);
    }
    case MysqlType.LONG:
    case MysqlType.INT24: {
      const v = r.u32();
      return String(unsigned ? v : v | 0);
    }
    case MysqlType.LONGLONG: {
      const v = r.u64();
      return String(unsigned ? v : BigInt.asIntN(64, v));
    }
    case MysqlType.FLOAT: {
      const b = r.bytes(4);
      return float32Text(b.readFloatLE(0));
    }
    case MysqlType.DOUBLE: {
      const b = r.bytes(8);
      return String(b.readDoubleLE(0));
    }
    case MysqlType.DATE:
    case MysqlType.DATETIME:
    case MysqlType.TIMESTAMP:
    case MysqlType.NEWDATE:
      return readDateTime(r, type);
    case MysqlType.TIME:
      return readTime(r);
    default:
      if (stringTypes.has(type)) return r.lenencString();
      if (bytesTypes.has(type)) return Buffer.from(r.lenencBytes());
      throw malformed(`unknown parameter type ${type}`);
  }
}

function readDateTime(r: PacketReader, type: number): string {
  const len = r.u8();
  if (len !== 0 && len !== 4 && len !== 7 && len !== 11) throw malformed(`date length ${len}`);
  let y = 0,
    mo = 0,
    d = 0,
    h = 0,
    mi = 0,
    s = 0,
    us = 0;
  if (len >= 4) {
    y = r.u16();
    mo = r.u8();
    d = r.u8();
  }
  if (len >= 7) {
    h = r.u8();
    mi = r.u8();
    s = r.u8();
  }
  if (len === 11) us = r.u32();
  const date = `${String(y).padStart(4, '0')}-${pad2(mo)}-${pad2(d)}`;
  if (type === MysqlType.DATE || type === MysqlType.NEWDATE) return date;
  return `${date} ${pad2(h)}:${pad2(mi)}:${pad2(s)}${fraction(us)}`;
}

function readTime(r: PacketReader): string {
  const len = r.u8();
  if (len !== 0 && len !== 8 && len !== 12) throw malformed(`time length ${len}`);
  if (len === 0) return '00:00:00';
  const neg = r.u8();
  const days = r.u32();
  const h = r.u8();
  const mi = r.u8();
  const s = r.u8();
  const us = len === 12 ? r.u32() : 0;
  return `${neg ? '-' : ''}${pad2(days * 24 + h)}:${pad2(mi)}:${pad2(s)}${fraction(us)}`;
}
