import { Charset, MysqlType, type Field, type Row, type SqlValue } from '../sqltypes/index.js';

/** The column-definition properties mysql2 exposes (its FieldPacket / ColumnDefinition). */
export interface Mysql2Column {
  readonly name: string;
  readonly orgName?: string;
  readonly table?: string;
  readonly orgTable?: string;
  readonly schema?: string;
  readonly db?: string;
  readonly characterSet?: number;
  readonly columnLength?: number;
  readonly columnType?: number;
  readonly type?: number;
  readonly flags: number | string[];
  readonly decimals: number;
}

/** Types whose values are byte strings: with the binary collation (63) they stay Buffers. */
const byteStringTypes: ReadonlySet<number> = new Set<number>([
  MysqlType.VARCHAR,
  MysqlType.VAR_STRING,
  MysqlType.STRING,
  MysqlType.TINY_BLOB,
  MysqlType.MEDIUM_BLOB,
  MysqlType.LONG_BLOB,
  MysqlType.BLOB,
  MysqlType.BIT,
  MysqlType.GEOMETRY,
]);

/**
 * Turns mysql2's raw text-protocol rows (queried with `typeCast: false`, so every value is the Buffer MySQL sent,
 * or null) into vt rows: binary strings/blobs stay Buffers, everything else (numbers, decimals, dates, text)
 * becomes its exact MySQL text. Connections use utf8mb4 results, so text is decoded as UTF-8.
 */
export class RowDecoder {
  readonly fields: readonly Field[];
  private readonly keepBinary: readonly boolean[];

  constructor(columns: readonly Mysql2Column[]) {
    this.fields = columns.map(toField);
    this.keepBinary = this.fields.map((f) => f.charset === Charset.binary && byteStringTypes.has(f.type));
  }

  decode(raw: readonly (Buffer | null)[]): Row {
    const n = raw.length;
    const out = new Array<SqlValue>(n);
    for (let i = 0; i < n; i++) {
      const v = raw[i];
      if (v === null || v === undefined) out[i] = null;
      else if (this.keepBinary[i]) out[i] = Buffer.from(v);
      else out[i] = v.toString('utf8');
    }
    return out;
  }
}

/** A vt Field from a mysql2 column definition (type, flags, collation, decimals, length, names). */
export function toField(c: Mysql2Column): Field {
  return {
    name: c.name,
    orgName: c.orgName ?? '',
    table: c.table ?? '',
    orgTable: c.orgTable ?? '',
    database: c.schema ?? c.db ?? '',
    type: (c.columnType ?? c.type ?? MysqlType.NULL) as MysqlType,
    charset: c.characterSet ?? Charset.binary,
    columnLength: c.columnLength ?? 0,
    flags: typeof c.flags === 'number' ? c.flags : 0,
    decimals: c.decimals,
  };
}
