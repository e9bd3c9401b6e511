import { Charset, ColumnFlag, MysqlType, isIntegralType } from './mysql-type.js';

/** One result column, as described by a Protocol::ColumnDefinition41 packet. */
export interface Field {
  readonly name: string;
  readonly orgName: string;
  /** Table alias as written in the query. */
  readonly table: string;
  readonly orgTable: string;
  readonly database: string;
  readonly type: MysqlType;
  /** Collation id: 63 (binary) for numbers, dates and binary strings. */
  readonly charset: number;
  /** Maximum display length in bytes. */
  readonly columnLength: number;
  /** ColumnFlag bits. */
  readonly flags: number;
  readonly decimals: number;
}

export type FieldOptions = Partial<Omit<Field, 'name' | 'type'>>;

const binaryTypes: ReadonlySet<number> = new Set<number>([
  MysqlType.DECIMAL,
  MysqlType.NEWDECIMAL,
  MysqlType.FLOAT,
  MysqlType.DOUBLE,
  MysqlType.NULL,
  MysqlType.TIMESTAMP,
  MysqlType.DATE,
  MysqlType.TIME,
  MysqlType.DATETIME,
  MysqlType.NEWDATE,
  MysqlType.BIT,
  MysqlType.GEOMETRY,
]);

/** Default display lengths, as MySQL reports them for a plain column of the type. */
function defaultLength(type: MysqlType): number {
  switch (type) {
    case MysqlType.TINY:
      return 4;
    case MysqlType.SHORT:
      return 6;
    case MysqlType.INT24:
      return 9;
    case MysqlType.LONG:
      return 11;
    case MysqlType.LONGLONG:
      return 20;
    case MysqlType.YEAR:
      return 4;
    case MysqlType.FLOAT:
      return 12;
    case MysqlType.DOUBLE:
      return 22;
    case MysqlType.DATE:
      return 10;
    case MysqlType.TIME:
      return 10;
    case MysqlType.DATETIME:
    case MysqlType.TIMESTAMP:
      return 19;
    case MysqlType.DECIMAL:
    case MysqlType.NEWDECIMAL:
      return 11;
    case MysqlType.BLOB:
    case MysqlType.JSON:
      return 65535;
    default:
      return 255 * 4;
  }
}

/**
 * Builds a Field with MySQL's defaults for the type: numbers, dates and blobs get the binary charset (63) and
 * the BINARY/NUM flags a real server sets, text types utf8mb4_general_ci. Anything in `opts` wins.
 */
export function field(name: string, type: MysqlType, opts: FieldOptions = {}): Field {
  const integral = isIntegralType(type);
  const numeric =
    integral ||
    type === MysqlType.FLOAT ||
    type === MysqlType.DOUBLE ||
    type === MysqlType.DECIMAL ||
    type === MysqlType.NEWDECIMAL;
  const charset = opts.charset ?? (binaryTypes.has(type) || integral ? Charset.binary : Charset.utf8mb4_general_ci);
  let flags = opts.flags ?? 0;
  if (opts.flags === undefined) {
    if (numeric) flags |= ColumnFlag.NUM;
    if (charset === Charset.binary) flags |= ColumnFlag.BINARY;
    if (type === MysqlType.BLOB || type === MysqlType.JSON) flags |= ColumnFlag.BLOB;
  }
  return {
    name,
    orgName: opts.orgName ?? name,
    table: opts.table ?? '',
    orgTable: opts.orgTable ?? opts.table ?? '',
    database: opts.database ?? '',
    type,
    charset,
    columnLength: opts.columnLength ?? defaultLength(type),
    flags,
    decimals: opts.decimals ?? (numeric && !integral ? 31 : 0),
  };
}
