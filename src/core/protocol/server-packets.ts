import type { Field } from '../sqltypes/field.js';
import type { Row } from '../sqltypes/result.js';
import type { PacketWriter } from './packet-writer.js';

/**
 * Encoders of the generic server packets (OK, ERR, EOF, column definition, text row). Each writes one whole
 * packet (begin..end) into the writer.
 */

export interface OkFields {
  readonly affectedRows: number | bigint;
  readonly insertId: number | bigint;
  readonly status: number;
  readonly warnings: number;
  readonly info?: string | undefined;
}

/**
 * OK_Packet (header 0x00), or with `header` 0xfe the OK that replaces the final EOF of a result set when
 * CLIENT_DEPRECATE_EOF is on. `info` is a length-encoded string, as MariaDB and MySQL servers write it whatever the
 * client's capabilities (libmariadb/libmysqlclient always read it so); CLIENT_SESSION_TRACK is offered so that
 * drivers which would otherwise read string<EOF> (mysql2) read it length-encoded too. No session-state
 * changes are ever reported (SERVER_SESSION_STATE_CHANGED is never set).
 */
export function writeOk(w: PacketWriter, ok: OkFields, header = 0x00): void {
  w.begin().u8(header).lenencInt(ok.affectedRows).lenencInt(ok.insertId).u16(ok.status).u16(ok.warnings);
  if (ok.info) w.lenencString(ok.info);
  w.end();
}

/** ERR_Packet in the PROTOCOL_41 form: 0xff, errno, '#', 5-char SQLSTATE, message (MySQL caps it at 512 bytes). */
export function writeErr(w: PacketWriter, errno: number, sqlState: string, message: string): void {
  const state = (sqlState + 'HY000').slice(0, 5);
  const msg = message.length > 512 ? message.slice(0, 512) : message;
  w.begin()
    .u8(0xff)
    .u16(errno & 0xffff)
    .u8(0x23)
    .str(state)
    .str(msg)
    .end();
}

/** EOF_Packet (PROTOCOL_41): 0xfe, warnings, status. */
export function writeEof(w: PacketWriter, warnings: number, status: number): void {
  w.begin().u8(0xfe).u16(warnings).u16(status).end();
}

/**
 * Protocol::ColumnDefinition41 (catalog "def"). `fieldList` appends the default-value field that only
 * COM_FIELD_LIST responses carry (sent as NULL).
 */
export function writeColumnDefinition(w: PacketWriter, f: Field, fieldList = false): void {
  w.begin()
    .lenencString('def')
    .lenencString(f.database)
    .lenencString(f.table)
    .lenencString(f.orgTable)
    .lenencString(f.name)
    .lenencString(f.orgName)
    .u8(0x0c)
    .u16(f.charset)
    .u32(f.columnLength >>> 0)
    .u8(f.type)
    .u16(f.flags & 0xffff)
    .u8(f.decimals)
    .u16(0);
  if (fieldList) w.u8(0xfb);
  w.end();
}

/** ProtocolText::ResultsetRow: each value a length-encoded string, NULL as 0xfb. */
export function writeTextRow(w: PacketWriter, row: Row): void {
  w.begin();
  for (let i = 0; i < row.length; i++) {
    const v = row[i];
    if (v === null || v === undefined) w.u8(0xfb);
    else if (typeof v === 'string') w.lenencString(v);
    else w.lenencBytes(v);
  }
  w.end();
}
