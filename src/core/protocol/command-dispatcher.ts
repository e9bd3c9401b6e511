import { Err, ErrNo, VtError } from '../errors/index.js';
import { decodeEscapedUtf8 } from '../sqltypes/escaped-utf8.js';
import { field, type Field } from '../sqltypes/field.js';
import { Charset, ColumnFlag, MysqlType } from '../sqltypes/mysql-type.js';
import { authenticate } from './auth-exchange.js';
import { Cap, Com } from './constants.js';
import type { PreparedStatement, QueryOptions } from './handler.js';
import type { MysqlConnection } from './mysql-connection.js';
import { PacketReader } from './packet-reader.js';
import type { QueryCancel } from './query-cancel.js';
import { writeColumnDefinition, writeEof, writeOk } from './server-packets.js';
import { decodeExecuteParams, type ParamType } from './stmt-params.js';

/** Per-connection state of one prepared statement. */
interface StmtEntry {
  readonly stmt: PreparedStatement;
  /** Parameter types of the last execute that bound them (reused when new-params-bound is 0). */
  types: readonly ParamType[] | undefined;
  readonly longData: Map<number, Buffer[]>;
  longDataBytes: number;
  /** Long data went over max_allowed_packet: the next execute fails with this, as in MySQL. */
  longDataError: VtError | undefined;
}

/** MySQL's default max_prepared_stmt_count, applied per connection: statements cost memory. */
const MAX_STATEMENTS = 16382;

const ER_MAX_PREPARED_STMT_COUNT_REACHED = 1461;

/** MariaDB's "the statement just prepared" id for pipelined PREPARE + EXECUTE. */
const LAST_PREPARED = 0xffffffff;

const PARAM_FIELD: Field = field('?', MysqlType.VAR_STRING, {
  charset: Charset.binary,
  flags: ColumnFlag.BINARY,
  columnLength: 0,
});

/**
 * The options of one query()/execute() call: a class with a prototype getter, because an object literal with an
 * accessor costs ~20x more to create in V8, and the signal must stay lazy (see QueryCancel).
 */
class CallOptions implements QueryOptions {
  constructor(
    private readonly cancel: QueryCancel,
    readonly multiStatements: boolean,
  ) {}

  get signal(): AbortSignal {
    return this.cancel.signal;
  }
}

function unknownStmt(id: number, where: string): VtError {
  return new VtError('NOT_FOUND', `Unknown prepared statement handler (${id}) given to ${where}`, {
    errno: ErrNo.ER_UNKNOWN_STMT_HANDLER,
    sqlState: 'HY000',
  });
}

/**
 * The command phase of one connection: reads command packets in order and answers each one. Owns statement
 * ids and prepared-statement state. Protocol errors (malformed packets, wrong sequence ids) propagate and
 * close the connection; handler errors become ERR packets.
 */
export class CommandDispatcher {
  private readonly stmts = new Map<number, StmtEntry>();
  private nextStmtId = 1;
  private lastPrepared = 0;
  private multiStatements = false;

  constructor(private readonly conn: MysqlConnection) {}

  async loop(): Promise<void> {
    const conn = this.conn;
    this.multiStatements = (conn.capabilities & Cap.MULTI_STATEMENTS) !== 0;
    for (;;) {
      const p = await conn.nextPacket();
      if (p === null) return;
      conn.busy = true;
      if (p.seq !== 0) {
        throw new VtError('INVALID_ARGUMENT', 'Got packets out of order', {
          errno: ErrNo.ER_NET_PACKETS_OUT_OF_ORDER,
          sqlState: '08S01',
        });
      }
      conn.w.seq = p.nextSeq;
      if (p.payload.length === 0) throw Err.malformedPacket('empty command');
      let more = true;
      try {
        more = await this.dispatch(p.payload);
      } catch (e) {
        if (e instanceof VtError && e.errno === ErrNo.ER_MALFORMED_PACKET) throw e;
        conn.sendError(e);
      }
      await conn.flush();
      conn.busy = false;
      if (!more || conn.draining) return;
    }
  }

  /** Answers one command; false when the connection must end (COM_QUIT). */
  private async dispatch(payload: Buffer): Promise<boolean> {
    const conn = this.conn;
    const h = conn.config.handler;
    const cmd = payload[0]!;
    switch (cmd) {
      case Com.QUERY: {
        const sql = decodeEscapedUtf8(payload, 1);
        const multiStatements = this.multiStatements;
        await conn.runQuery((q) => h.query(conn, sql, new CallOptions(q, multiStatements)), false);
        return true;
      }
      case Com.STMT_EXECUTE:
        await this.execute(payload);
        return true;
      case Com.PING:
        this.ok();
        return true;
      case Com.QUIT:
        return false;
      case Com.INIT_DB: {
        const db = payload.toString('utf8', 1);
        await h.initDb?.(conn, db);
        conn.db = db;
        this.ok();
        return true;
      }
      case Com.STMT_PREPARE:
        await this.prepare(decodeEscapedUtf8(payload, 1));
        return true;
      case Com.STMT_SEND_LONG_DATA: {
        const r = new PacketReader(payload, 1);
        const id = r.u32();
        const param = r.u16();
        const e = this.stmts.get(id);
        // No reply is ever sent; data for an unknown statement or parameter is dropped, as MySQL does.
        if (e !== undefined && param < e.stmt.paramCount && e.longDataError === undefined) {
          const data = r.rest();
          e.longDataBytes += data.length;
          if (e.longDataBytes > conn.config.maxAllowedPacket) {
            e.longData.clear();
            e.longDataError = new VtError(
              'RESOURCE_EXHAUSTED',
              "Parameter of prepared statement which is set through mysql_send_long_data() is longer than 'max_allowed_packet' bytes",
              { errno: ErrNo.ER_NET_PACKET_TOO_LARGE, sqlState: 'HY000' },
            );
          } else {
            const chunks = e.longData.get(param);
            if (chunks === undefined) e.longData.set(param, [Buffer.from(data)]);
            else chunks.push(Buffer.from(data));
          }
        }
        return true;
      }
      case Com.STMT_CLOSE: {
        const id = new PacketReader(payload, 1).u32();
        this.closeStatement(id);
        return true;
      }
      case Com.STMT_RESET: {
        const id = new PacketReader(payload, 1).u32();
        const e = this.stmts.get(id);
        if (e === undefined) throw unknownStmt(id, 'mysqld_stmt_reset');
        this.clearLongData(e);
        this.ok();
        return true;
      }
      case Com.SET_OPTION: {
        const opt = new PacketReader(payload, 1).u16();
        if (opt > 1) throw Err.unknownCommand(cmd);
        this.multiStatements = opt === 0;
        writeEof(conn.w, 0, this.status());
        return true;
      }
      case Com.RESET_CONNECTION:
        this.closeAllStatements();
        await h.resetConnection?.(conn);
        conn.inTransaction = false;
        conn.autocommit = true;
        this.ok();
        return true;
      case Com.CHANGE_USER:
        return this.changeUser(payload);
      case Com.FIELD_LIST: {
        const r = new PacketReader(payload, 1);
        const table = r.nulString();
        const wildcard = r.rest().toString('utf8');
        const fields = h.fieldList ? await h.fieldList(conn, table, wildcard) : [];
        for (const f of fields) writeColumnDefinition(conn.w, f, true);
        this.endOfResult();
        return true;
      }
      case Com.STATISTICS:
        conn.w.begin().str('Uptime: 0  Threads: 1  Questions: 0  Slow queries: 0  Opens: 0  Open tables: 0').end();
        return true;
      default:
        throw Err.unknownCommand(cmd);
    }
  }

  private status(): number {
    return (this.conn.inTransaction ? 1 : 0) | (this.conn.autocommit ? 2 : 0);
  }

  private ok(): void {
    writeOk(this.conn.w, { affectedRows: 0, insertId: 0, status: this.status(), warnings: 0 });
  }

  /** EOF, or the 0xfe OK that replaces it under CLIENT_DEPRECATE_EOF. */
  private endOfResult(): void {
    if (this.conn.capabilities & Cap.DEPRECATE_EOF) {
      writeOk(this.conn.w, { affectedRows: 0, insertId: 0, status: this.status(), warnings: 0 }, 0xfe);
    } else {
      writeEof(this.conn.w, 0, this.status());
    }
  }

  private clearLongData(e: StmtEntry): void {
    e.longData.clear();
    e.longDataBytes = 0;
    e.longDataError = undefined;
  }

  private async prepare(sql: string): Promise<void> {
    const conn = this.conn;
    if (this.stmts.size >= MAX_STATEMENTS) {
      throw new VtError(
        'RESOURCE_EXHAUSTED',
        `Can't create more than max_prepared_stmt_count statements (current value: ${MAX_STATEMENTS})`,
        { errno: ER_MAX_PREPARED_STMT_COUNT_REACHED, sqlState: '42000' },
      );
    }
    const res = await conn.config.handler.prepare(conn, sql);
    const id = this.nextStmtId;
    this.nextStmtId = this.nextStmtId >= 0xfffffffe ? 1 : this.nextStmtId + 1;
    const stmt: PreparedStatement = { id, sql, paramCount: res.paramCount, columns: res.columns, data: res.data };
    this.stmts.set(id, { stmt, types: undefined, longData: new Map(), longDataBytes: 0, longDataError: undefined });
    this.lastPrepared = id;
    const w = conn.w;
    w.begin().u8(0).u32(id).u16(res.columns.length).u16(res.paramCount).u8(0).u16(0).end();
    const eof = (conn.capabilities & Cap.DEPRECATE_EOF) === 0;
    if (res.paramCount > 0) {
      for (let i = 0; i < res.paramCount; i++) writeColumnDefinition(w, PARAM_FIELD);
      if (eof) writeEof(w, 0, this.status());
    }
    if (res.columns.length > 0) {
      for (const f of res.columns) writeColumnDefinition(w, f);
      if (eof) writeEof(w, 0, this.status());
    }
  }

  private async execute(payload: Buffer): Promise<void> {
    const r = new PacketReader(payload, 1);
    let id = r.u32();
    r.u8(); // cursor flags: no server-side cursors; the whole result is sent, without CURSOR_EXISTS
    r.u32(); // iteration count, always 1
    if (id === LAST_PREPARED) id = this.lastPrepared;
    const e = this.stmts.get(id);
    if (e === undefined) throw unknownStmt(id, 'mysqld_stmt_execute');
    if (e.longDataError !== undefined) {
      const err = e.longDataError;
      this.clearLongData(e);
      throw err;
    }
    const { params, types } = decodeExecuteParams(r, e.stmt.paramCount, e.types, e.longData);
    e.types = types;
    this.clearLongData(e);
    const conn = this.conn;
    await conn.runQuery((q) => conn.config.handler.execute(conn, e.stmt, params, new CallOptions(q, false)), true);
  }

  /** Forgets a statement. Handler errors are logged, never answered: COM_STMT_CLOSE has no response. */
  private closeStatement(id: number): void {
    const e = this.stmts.get(id);
    if (e === undefined) return;
    this.stmts.delete(id);
    try {
      this.conn.config.handler.closeStatement?.(this.conn, e.stmt);
    } catch (err) {
      this.conn.config.logger.warn({ conn: this.conn.id, stmt: id, err: String(err) }, 'closeStatement failed');
    }
  }

  closeAllStatements(): void {
    for (const id of [...this.stmts.keys()]) this.closeStatement(id);
  }

  /**
   * COM_CHANGE_USER: re-authenticates against the connection's original scramble (with an auth switch when
   * needed). A failed login answers ERR 1045 and closes the connection (returns false), as MySQL does;
   * success closes the statements, resets the handler's session and switches user and database.
   */
  private async changeUser(payload: Buffer): Promise<boolean> {
    const conn = this.conn;
    const caps = conn.capabilities;
    const r = new PacketReader(payload, 1);
    const user = r.nulString();
    const authResponse = caps & Cap.SECURE_CONNECTION ? r.bytes(r.u8()) : r.nulBytes();
    const db = r.remaining > 0 ? r.nulString() : '';
    if (r.remaining >= 2) r.u16(); // character set
    const plugin = caps & Cap.PLUGIN_AUTH && r.remaining > 0 ? r.nulString() : '';
    let cred;
    try {
      cred = await authenticate(
        conn.authIO(),
        conn.config.auth,
        conn.scramble,
        user,
        conn.remoteAddress,
        plugin,
        authResponse,
      );
    } catch (e) {
      conn.sendError(e);
      return false;
    }
    this.closeAllStatements();
    conn.user = user;
    conn.userData = cred.userData;
    conn.inTransaction = false;
    conn.autocommit = true;
    await conn.config.handler.resetConnection?.(conn);
    if (db !== '') await conn.config.handler.initDb?.(conn, db);
    conn.db = db;
    this.ok();
    return true;
  }
}
