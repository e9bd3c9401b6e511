import { Err } from '../errors/index.js';
import type { Field } from '../sqltypes/field.js';
import type { OkEvent, ResultEvent, Row } from '../sqltypes/result.js';
import { writeBinaryRow } from './binary-row.js';
import { ServerStatus } from './constants.js';
import type { PacketWriter } from './packet-writer.js';
import { writeColumnDefinition, writeEof, writeOk, writeTextRow } from './server-packets.js';

/** Session status bits the writer puts in every OK/EOF. */
export interface StatusSource {
  readonly inTransaction: boolean;
  readonly autocommit: boolean;
}

const EMPTY_OK: OkEvent = { kind: 'ok' };

/**
 * Turns a stream of ResultEvents into packets: text (COM_QUERY) or binary (COM_STMT_EXECUTE) result sets and OK
 * packets. The terminator of each result is held back until the next event shows whether another result
 * follows, so SERVER_MORE_RESULTS_EXISTS is set exactly between results. Call `push` per event, then `finish`
 * (success) or `fail` (before writing an ERR). Handler mistakes (rows without fields, a row of the wrong width)
 * throw Err.internal.
 */
export class ResultWriter {
  private fields: readonly Field[] | null = null;
  private pending: OkEvent | null = null;
  private pendingIsResultSet = false;
  /** Session status when the pending result ended (the handler may change it before the next event). */
  private pendingStatus = 0;
  private started = false;

  constructor(
    private readonly w: PacketWriter,
    private readonly status: StatusSource,
    private readonly deprecateEof: boolean,
    private readonly binary: boolean,
  ) {}

  push(ev: ResultEvent): void {
    if (this.pending !== null) this.writeEnd(true);
    this.started = true;
    switch (ev.kind) {
      case 'rows':
        this.writeRows(ev.rows);
        return;
      case 'fields':
        if (this.fields !== null) {
          this.hold(EMPTY_OK, true);
          this.writeEnd(true);
        }
        // MySQL has no result set without columns: an empty field list means a row-less result (OK).
        if (ev.fields.length > 0) this.writeFields(ev.fields);
        return;
      case 'ok':
        this.hold(ev, this.fields !== null);
        this.fields = null;
        return;
    }
  }

  /** Writes the last terminator (an empty stream is one plain OK). */
  finish(): void {
    if (this.fields !== null) {
      this.hold(EMPTY_OK, true);
      this.fields = null;
    }
    if (this.pending === null && !this.started) this.hold(EMPTY_OK, false);
    if (this.pending !== null) this.writeEnd(false);
  }

  /**
   * Prepares for an ERR after an error: a finished result whose terminator was held back gets it (with
   * MORE_RESULTS_EXISTS, as the ERR follows); a result set in progress is simply cut short by the ERR.
   */
  fail(): void {
    this.w.abortPacket();
    if (this.pending !== null) this.writeEnd(true);
    this.fields = null;
  }

  private hold(ev: OkEvent, isResultSet: boolean): void {
    this.pending = ev;
    this.pendingIsResultSet = isResultSet;
    this.pendingStatus = this.statusBits(ev.statusFlags ?? 0);
  }

  private writeFields(fields: readonly Field[]): void {
    const w = this.w;
    w.begin().lenencInt(fields.length).end();
    for (const f of fields) writeColumnDefinition(w, f);
    if (!this.deprecateEof) writeEof(w, 0, this.statusBits(0));
    this.fields = fields;
  }

  private writeRows(rows: readonly Row[]): void {
    const fields = this.fields;
    if (fields === null) throw Err.internal('handler sent rows before fields');
    const n = fields.length;
    const w = this.w;
    for (let i = 0; i < rows.length; i++) {
      const row = rows[i]!;
      if (row.length !== n) throw Err.internal(`handler sent a row of ${row.length} values for ${n} fields`);
      if (this.binary) writeBinaryRow(w, fields, row);
      else writeTextRow(w, row);
    }
  }

  private statusBits(extra: number): number {
    return (
      (this.status.inTransaction ? ServerStatus.IN_TRANS : 0) |
      (this.status.autocommit ? ServerStatus.AUTOCOMMIT : 0) |
      extra
    );
  }

  private writeEnd(more: boolean): void {
    const ev = this.pending!;
    this.pending = null;
    const status = this.pendingStatus | (more ? ServerStatus.MORE_RESULTS_EXISTS : 0);
    const warnings = ev.warnings ?? 0;
    if (this.pendingIsResultSet && !this.deprecateEof) {
      writeEof(this.w, warnings, status);
      return;
    }
    writeOk(
      this.w,
      { affectedRows: ev.affectedRows ?? 0, insertId: ev.insertId ?? 0, status, warnings, info: ev.info },
      this.pendingIsResultSet ? 0xfe : 0x00,
    );
  }
}
