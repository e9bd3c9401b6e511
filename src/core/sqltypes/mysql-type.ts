/**
 * MySQL column type codes, column definition flags and the few collation ids vt uses, as they appear on the
 * wire (Protocol::ColumnDefinition41 and the binary protocol). Values are MySQL's; names drop the MYSQL_TYPE_ /
 * _FLAG prefixes.
 */
export const MysqlType = {
  DECIMAL: 0,
  TINY: 1,
  SHORT: 2,
  LONG: 3,
  FLOAT: 4,
  DOUBLE: 5,
  NULL: 6,
  TIMESTAMP: 7,
  LONGLONG: 8,
  INT24: 9,
  DATE: 10,
  TIME: 11,
  DATETIME: 12,
  YEAR: 13,
  NEWDATE: 14,
  VARCHAR: 15,
  BIT: 16,
  TIMESTAMP2: 17,
  DATETIME2: 18,
  TIME2: 19,
  VECTOR: 242,
  JSON: 245,
  NEWDECIMAL: 246,
  ENUM: 247,
  SET: 248,
  TINY_BLOB: 249,
  MEDIUM_BLOB: 250,
  LONG_BLOB: 251,
  BLOB: 252,
  VAR_STRING: 253,
  STRING: 254,
  GEOMETRY: 255,
} as const;
export type MysqlType = (typeof MysqlType)[keyof typeof MysqlType];

const typeNames: ReadonlyMap<number, string> = new Map(Object.entries(MysqlType).map(([k, v]) => [v, k]));

/** The constant's name for a type code ("LONGLONG"), or `UNKNOWN(<code>)`; for messages and logs. */
export function mysqlTypeName(t: number): string {
  return typeNames.get(t) ?? `UNKNOWN(${t})`;
}

/** True for the types a MySQL client receives as an integer (TINY..LONGLONG, INT24, YEAR). */
export function isIntegralType(t: number): boolean {
  return (
    t === MysqlType.TINY ||
    t === MysqlType.SHORT ||
    t === MysqlType.LONG ||
    t === MysqlType.LONGLONG ||
    t === MysqlType.INT24 ||
    t === MysqlType.YEAR
  );
}

/** Column definition flags (16 bits on the wire). */
export const ColumnFlag = {
  NOT_NULL: 1,
  PRI_KEY: 2,
  UNIQUE_KEY: 4,
  MULTIPLE_KEY: 8,
  BLOB: 16,
  UNSIGNED: 32,
  ZEROFILL: 64,
  BINARY: 128,
  ENUM: 256,
  AUTO_INCREMENT: 512,
  TIMESTAMP: 1024,
  SET: 2048,
  NO_DEFAULT_VALUE: 4096,
  ON_UPDATE_NOW: 8192,
  NUM: 32768,
} as const;

/** Collation ids (the "character set" byte of the protocol). */
export const Charset = {
  latin1_swedish_ci: 8,
  utf8mb3_general_ci: 33,
  utf8mb4_general_ci: 45,
  binary: 63,
  utf8mb4_bin: 46,
  utf8mb4_unicode_ci: 224,
  utf8mb4_0900_ai_ci: 255,
} as const;
