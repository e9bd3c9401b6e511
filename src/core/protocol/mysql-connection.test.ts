import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fixtureHandler, startFixtureServer } from '../../../test/support/protocol-fixture.js';
import { silentLogger } from '../env/logger.js';
import { AuthServerNone } from './auth-server.js';
import { MysqlServer } from './mysql-server.js';
import { RAW_CLIENT_CAPS, RawClient, parseErr, u16, u32 } from '../../../test/support/protocol-raw-client.js';
import { field } from '../sqltypes/field.js';
import { MysqlType } from '../sqltypes/mysql-type.js';
import { nativeScramble } from './auth-scramble.js';
import { Cap, Com, ServerStatus } from './constants.js';

/** Byte-level conversations with MysqlServer: exact packets, sequence ids, malformed input, robustness. */

let server: MysqlServer;
let port: number;
let events: string[];

beforeAll(async () => {
  ({ server, port, events } = await startFixtureServer({
    maxAllowedPacket: 1 << 20,
    handshakeTimeoutMs: 300,
    netReadTimeoutMs: 300,
  }));
});
afterAll(async () => {
  await server.close();
});

const hex = (b: Buffer): string => b.toString('hex');

/** Prepares `sql` and returns the statement id, consuming the whole prepare response. */
async function prepare(c: RawClient, sql: string, packets: number): Promise<number> {
  c.command(Com.STMT_PREPARE, sql);
  const res = await c.readAll(packets);
  expect(res[0]!.payload[0]).toBe(0);
  return res[0]!.payload.readUInt32LE(1);
}

describe('greeting', () => {
  it('sends HandshakeV10 with version, connection id, 20-byte scramble, capabilities and plugin', async () => {
    const c = await RawClient.open(port);
    const g = await c.read();
    expect(g.seq).toBe(0);
    const p = g.payload;
    expect(p[0]).toBe(10);
    const verEnd = p.indexOf(0, 1);
    expect(p.toString('latin1', 1, verEnd)).toBe('8.0.40-vt');
    expect(p.readUInt32LE(verEnd + 1)).toBeGreaterThan(0);
    const caps = p.readUInt16LE(verEnd + 14) | (p.readUInt16LE(verEnd + 19) << 16);
    for (const f of [
      Cap.PROTOCOL_41,
      Cap.SECURE_CONNECTION,
      Cap.PLUGIN_AUTH,
      Cap.DEPRECATE_EOF,
      Cap.MULTI_STATEMENTS,
      Cap.CONNECT_ATTRS,
    ]) {
      expect(caps & f).toBe(f);
    }
    expect(caps & Cap.SSL).toBe(0); // no TLS configured
    expect(caps & Cap.LOCAL_FILES).toBe(0);
    expect(p[verEnd + 21]).toBe(21);
    const scramble = Buffer.concat([p.subarray(verEnd + 5, verEnd + 13), p.subarray(verEnd + 32, verEnd + 44)]);
    expect(scramble.includes(0)).toBe(false);
    expect(p[verEnd + 44]).toBe(0);
    expect(p.toString('latin1', verEnd + 45, p.length - 1)).toBe('mysql_native_password');
    c.close();
  });
});

describe('auth switch', () => {
  it('a client that used an unknown plugin gets AuthSwitchRequest(mysql_native_password, scramble)', async () => {
    const c = await RawClient.open(port);
    const g = (await c.read()).payload;
    const v = g.indexOf(0, 1);
    const scramble = Buffer.concat([g.subarray(v + 5, v + 13), g.subarray(v + 32, v + 44)]);
    const head = Buffer.concat([u32(RAW_CLIENT_CAPS), u32(1 << 24), Buffer.from([45]), Buffer.alloc(23)]);
    c.send(Buffer.concat([head, Buffer.from('u\0'), Buffer.from([3, 1, 2, 3]), Buffer.from('client_ed25519\0')]), 1);
    const sw = await c.read();
    expect(sw.seq).toBe(2);
    expect(sw.payload.toString('latin1')).toBe('\xfemysql_native_password\0' + scramble.toString('latin1') + '\0');
    c.send(nativeScramble('pw', scramble), 3);
    const ok = await c.read();
    expect(ok.seq).toBe(4);
    expect(ok.payload[0]).toBe(0);
    c.close();
  });
});

describe('command phase (DEPRECATE_EOF client)', () => {
  it('text result set: count, definitions, rows, 0xfe OK; sequence ids 1..n', async () => {
    const { client: c } = await RawClient.login(port);
    c.command(Com.QUERY, 'select 1');
    const ps = await c.readAll(4);
    expect(ps.map((p) => p.seq)).toEqual([1, 2, 3, 4]);
    expect(hex(ps[0]!.payload)).toBe('01');
    // catalog def, no schema/table, name '1', charset 63, length 20, LONGLONG, flags BINARY|NUM, decimals 0
    expect(hex(ps[1]!.payload)).toBe(
      '0364656600000001310131' + '0c' + '3f00' + '14000000' + '08' + '8080' + '00' + '0000',
    );
    expect(hex(ps[2]!.payload)).toBe('0131');
    expect(hex(ps[3]!.payload)).toBe('fe000002000000');
    c.close();
  });

  it('multi-statement results carry MORE_RESULTS_EXISTS on all but the last terminator', async () => {
    const { client: c } = await RawClient.login(port, { caps: RAW_CLIENT_CAPS | Cap.MULTI_STATEMENTS });
    c.command(Com.QUERY, 'insert x;select 1;begin');
    const ps = await c.readAll(6);
    expect(ps[0]!.payload[0]).toBe(0);
    expect(
      // status, warnings, then the info as a length-encoded string (1 length byte + text)
      ps[0]!.payload.readUInt16LE(ps[0]!.payload.length - 4 - 1 - 'Records: 3'.length) &
        ServerStatus.MORE_RESULTS_EXISTS,
    ).toBeTruthy();
    const selectEnd = ps[4]!.payload;
    expect(selectEnd[0]).toBe(0xfe);
    expect(selectEnd.readUInt16LE(3)).toBe(ServerStatus.AUTOCOMMIT | ServerStatus.MORE_RESULTS_EXISTS);
    // 'begin' sets IN_TRANS through the ServerConnection
    expect(hex(ps[5]!.payload)).toBe('00000003000000');
    expect(ps.map((p) => p.seq)).toEqual([1, 2, 3, 4, 5, 6]);
    c.close();
  });

  it('prepared statements: no EOFs, binary rows, new-params-bound=0 reuses types, long data, reset, close', async () => {
    const { client: c } = await RawClient.login(port);
    // echo ?, ?: 2 params, 0 columns -> OK + 2 param defs
    const id = await prepare(c, 'echo ?, ?', 3);
    const exec = (bound: boolean, nullBits: number, tail: Buffer): void =>
      c.command(
        Com.STMT_EXECUTE,
        Buffer.concat([u32(id), Buffer.from([0]), u32(1), Buffer.from([nullBits, bound ? 1 : 0]), tail]),
      );
    // LONGLONG unsigned 2^64-1 and VAR_STRING 'ab'
    exec(true, 0, Buffer.concat([Buffer.from([8, 0x80, 253, 0]), Buffer.alloc(8, 0xff), Buffer.from([2, 0x61, 0x62])]));
    let ps = await c.readAll(5);
    // binary row: 0x00, null bitmap (2 cols + 2 offset bits -> 1 byte), then lenenc strings
    const row = ps[3]!.payload;
    expect(row[0]).toBe(0);
    expect(row[1]).toBe(0);
    expect(row.toString('utf8', 3, 3 + row[2]!)).toBe('8:u:18446744073709551615');
    expect(ps[4]!.payload[0]).toBe(0xfe);
    // new-params-bound = 0: types from the previous execute; second param NULL via the bitmap
    exec(false, 0b10, Buffer.alloc(8, 0x01));
    ps = await c.readAll(5);
    expect(ps[3]!.payload.toString('utf8', 3, 3 + ps[3]!.payload[2]!)).toBe('8:u:72340172838076673');
    // long data for param 1, joined from two chunks, then STMT_RESET drops it
    c.command(Com.STMT_SEND_LONG_DATA, Buffer.concat([u32(id), u16(1), Buffer.from('he')]));
    c.command(Com.STMT_SEND_LONG_DATA, Buffer.concat([u32(id), u16(1), Buffer.from('llo')]));
    exec(true, 0, Buffer.concat([Buffer.from([1, 0, 252, 0]), Buffer.from([7])]));
    ps = await c.readAll(5);
    const r = ps[3]!.payload;
    const first = 3 + r[2]!;
    expect(r.toString('utf8', 3, first)).toBe('1:s:7');
    expect(r.toString('utf8', first + 1, first + 1 + r[first]!)).toBe('252:s:x68656c6c6f');
    c.command(Com.STMT_RESET, u32(id));
    expect(hex((await c.read()).payload)).toBe('00000002000000');
    c.command(Com.STMT_CLOSE, u32(id));
    exec(true, 0b11, Buffer.from([6, 0, 6, 0]));
    const err = parseErr((await c.read()).payload);
    expect(err).toEqual({
      errno: 1243,
      sqlState: 'HY000',
      message: `Unknown prepared statement handler (${id}) given to mysqld_stmt_execute`,
    });
    c.close();
  });

  it("executes MariaDB's 'last prepared' statement id (0xffffffff) pipelined right after PREPARE", async () => {
    const { client: c } = await RawClient.login(port);
    const prep = Buffer.concat([Buffer.from([Com.STMT_PREPARE]), Buffer.from('echo ?')]);
    const exec = Buffer.concat([
      Buffer.from([Com.STMT_EXECUTE]),
      u32(0xffffffff),
      Buffer.from([0]),
      u32(1),
      Buffer.from([0, 1, 3, 0]),
      u32(99),
    ]);
    const frame = (p: Buffer): Buffer => Buffer.concat([Buffer.from([p.length, 0, 0, 0]), p]);
    c.sendRaw(Buffer.concat([frame(prep), frame(exec)]));
    const ps = await c.readAll(2 + 4);
    const row = ps[4]!.payload;
    expect(row.toString('utf8', 3, 3 + row[2]!)).toBe('3:s:99');
    c.close();
  });

  it('long data beyond maxAllowedPacket fails the next execute (1153), then the statement works again', async () => {
    const { client: c } = await RawClient.login(port);
    const id = await prepare(c, 'echo ?', 2);
    const chunk = Buffer.alloc(600 * 1024, 1); // two chunks exceed the 1 MiB limit of this server
    c.command(Com.STMT_SEND_LONG_DATA, Buffer.concat([u32(id), u16(0), chunk]));
    c.command(Com.STMT_SEND_LONG_DATA, Buffer.concat([u32(id), u16(0), chunk]));
    const exec = (): void =>
      c.command(
        Com.STMT_EXECUTE,
        Buffer.concat([u32(id), Buffer.from([0]), u32(1), Buffer.from([0, 1, 253, 0, 1, 0x61])]),
      );
    exec();
    expect(parseErr((await c.read()).payload)).toMatchObject({ errno: 1153 });
    exec();
    const ps = await c.readAll(4);
    expect(ps[2]!.payload.toString('utf8', 3)).toBe('253:s:a');
    c.close();
  });

  it('first execute without bound types is 1210; the connection stays usable', async () => {
    const { client: c } = await RawClient.login(port);
    const id = await prepare(c, 'echo ?', 2);
    c.command(Com.STMT_EXECUTE, Buffer.concat([u32(id), Buffer.from([0]), u32(1), Buffer.from([0, 0])]));
    expect(parseErr((await c.read()).payload).errno).toBe(1210);
    c.command(Com.PING);
    expect((await c.read()).payload[0]).toBe(0);
    c.close();
  });

  it('answers unknown commands with 1047/08S01, COM_FIELD_LIST with an empty list, COM_SET_OPTION', async () => {
    const { client: c } = await RawClient.login(port);
    c.command(0x1c); // COM_STMT_FETCH: no cursors
    expect(parseErr((await c.read()).payload)).toMatchObject({ errno: 1047, sqlState: '08S01' });
    c.command(0xee);
    expect(parseErr((await c.read()).payload)).toMatchObject({ errno: 1047, sqlState: '08S01' });
    c.command(Com.FIELD_LIST, 't\0');
    expect((await c.read()).payload[0]).toBe(0xfe);
    c.command(Com.SET_OPTION, u16(0));
    expect((await c.read()).payload[0]).toBe(0xfe);
    c.command(Com.QUERY, 'select 1;select 1');
    const ps = await c.readAll(8);
    expect(ps[7]!.payload.readUInt16LE(3) & ServerStatus.MORE_RESULTS_EXISTS).toBe(0);
    c.command(Com.SET_OPTION, u16(1));
    await c.read();
    c.command(Com.QUERY, 'select 1;select 1');
    expect(parseErr((await c.read()).payload).errno).toBe(1064);
    c.close();
  });

  it('COM_RESET_CONNECTION closes statements and tells the handler', async () => {
    const { client: c } = await RawClient.login(port);
    const id = await prepare(c, 'echo ?', 2);
    c.command(Com.RESET_CONNECTION);
    expect((await c.read()).payload[0]).toBe(0);
    c.command(Com.STMT_RESET, u32(id));
    expect(parseErr((await c.read()).payload).errno).toBe(1243);
    expect(events.some((e) => e.startsWith('reset'))).toBe(true);
    c.close();
  });

  it('COM_QUIT closes the connection and calls connectionClosed', async () => {
    const { client: c } = await RawClient.login(port);
    c.command(Com.QUERY, 'select whoami');
    const ps = await c.readAll(8);
    const idText = ps[6]!.payload;
    let pos = 0;
    const values: string[] = [];
    while (pos < idText.length) {
      const n = idText[pos]!;
      values.push(n === 0xfb ? 'NULL' : idText.toString('utf8', pos + 1, pos + 1 + n));
      pos += n === 0xfb ? 1 : 1 + n;
    }
    c.command(Com.QUIT);
    await c.closed;
    await expect.poll(() => events.includes(`close ${values[4]}`)).toBe(true);
  });
});

describe('pipelining and back-pressure', () => {
  it('answers pipelined commands strictly in order, even when an earlier one is slow', async () => {
    const { client: c } = await RawClient.login(port);
    const frame = (cmd: number, body: string): Buffer => {
      const b = Buffer.from(body);
      return Buffer.concat([Buffer.from([b.length + 1, 0, 0, 0, cmd]), b]);
    };
    c.sendRaw(
      Buffer.concat([
        frame(Com.QUERY, 'sleep 80'),
        frame(Com.PING, ''),
        frame(Com.QUERY, 'error'),
        frame(Com.QUERY, 'select 1'),
      ]),
    );
    const ps = await c.readAll(4 + 1 + 1 + 4);
    expect(ps[2]!.payload.toString('hex')).toBe('023830'); // sleep's row '80'
    expect(ps[4]!.payload[0]).toBe(0x00); // PING OK
    expect(parseErr(ps[5]!.payload).errno).toBe(1146);
    expect(ps[8]!.payload.toString('hex')).toBe('0131');
    c.close();
  });

  it('stops pulling from the handler while the client does not read, and stops it when the client leaves', async () => {
    let produced = 0;
    let finished = false;
    const row = ['x'.repeat(64 * 1024)];
    const s = await startFixtureServer({
      handler: {
        async *query() {
          try {
            yield { kind: 'fields', fields: [field('v', MysqlType.BLOB)] };
            for (let i = 0; i < 100_000; i++) {
              produced++;
              yield { kind: 'rows', rows: [row] };
            }
            yield { kind: 'ok' };
          } finally {
            finished = true;
          }
        },
        prepare: () => ({ paramCount: 0, columns: [] }),
        execute: () => [],
      },
    });
    const { client: c } = await RawClient.login(s.port);
    c.socket.pause();
    c.command(Com.QUERY, 'select lots');
    await new Promise((r) => setTimeout(r, 500));
    // 100k rows of 64 KiB would be 6.4 GB; only socket buffers' worth may have been produced.
    expect(produced).toBeLessThan(2000);
    c.close();
    await expect.poll(() => finished).toBe(true);
    expect(produced).toBeLessThan(2000);
    await s.server.close();
  });
});

describe('classic EOF client', () => {
  it('sends EOF after column definitions and at the end of rows', async () => {
    const { client: c } = await RawClient.login(port, { caps: RAW_CLIENT_CAPS & ~Cap.DEPRECATE_EOF });
    c.command(Com.QUERY, 'select 1');
    const ps = await c.readAll(5);
    expect(hex(ps[2]!.payload)).toBe('fe00000200');
    expect(hex(ps[3]!.payload)).toBe('0131');
    expect(hex(ps[4]!.payload)).toBe('fe00000200');
    const id = await prepare(c, 'echo ?, ?', 4); // OK, 2 param defs, EOF
    expect(id).toBeGreaterThan(0);
    c.close();
  });
});

describe('protocol errors close only that connection', () => {
  it('malformed COM_STMT_EXECUTE: ERR 1835 then close; others unaffected', async () => {
    const { client: other } = await RawClient.login(port);
    const { client: c } = await RawClient.login(port);
    const id = await prepare(c, 'echo ?', 2);
    // claims a VAR_STRING of 200 bytes but sends 3
    c.command(
      Com.STMT_EXECUTE,
      Buffer.concat([u32(id), Buffer.from([0]), u32(1), Buffer.from([0, 1, 253, 0, 200, 1, 2, 3])]),
    );
    expect(parseErr((await c.read()).payload)).toMatchObject({ errno: 1835, sqlState: 'HY000' });
    await c.closed;
    other.command(Com.PING);
    expect((await other.read()).payload[0]).toBe(0);
    other.close();
  });

  it('packet larger than maxAllowedPacket: ERR 1153/08S01 then close', async () => {
    const { client: c } = await RawClient.login(port);
    c.sendRaw(Buffer.from([0x00, 0x00, 0x20, 0x00, Com.QUERY])); // 2 MiB declared, limit is 1 MiB
    expect(parseErr((await c.read()).payload)).toMatchObject({ errno: 1153, sqlState: '08S01' });
    await c.closed;
  });

  it('packets out of order: ERR 1156 then close', async () => {
    const { client: c } = await RawClient.login(port);
    c.send(Buffer.from([Com.PING]), 3);
    expect(parseErr((await c.read()).payload)).toMatchObject({ errno: 1156, sqlState: '08S01' });
    await c.closed;
  });

  it('garbage handshake response: ERR then close', async () => {
    const c = await RawClient.open(port);
    await c.read();
    c.send(Buffer.from([1, 2, 3]), 1);
    expect(parseErr((await c.read()).payload).errno).toBe(1835);
    await c.closed;
  });

  it('a packet started and never finished: ERR 1159/08S01 after netReadTimeoutMs, then close', async () => {
    const { client: c } = await RawClient.login(port);
    c.command(Com.PING);
    expect((await c.read()).payload[0]).toBe(0);
    c.sendRaw(Buffer.from([0x10, 0x00, 0x00, 0x00, Com.QUERY, 0x73])); // 16 bytes announced, 2 sent
    const t0 = Date.now();
    expect(parseErr((await c.read()).payload)).toMatchObject({ errno: 1159, sqlState: '08S01' });
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    await c.closed;
  });

  it('a slow but steady packet is not cut off by netReadTimeoutMs', async () => {
    const s = await startFixtureServer({ netReadTimeoutMs: 1000 });
    const { client: c } = await RawClient.login(s.port);
    const sql = Buffer.from('select 1');
    const packet = Buffer.concat([Buffer.from([sql.length + 1, 0, 0, 0, Com.QUERY]), sql]);
    for (const b of packet) {
      c.sendRaw(Buffer.from([b]));
      await new Promise((r) => setTimeout(r, 100)); // 13 bytes over ~1.3 s: longer than the timeout in total
    }
    expect((await c.read()).payload.toString('hex')).toBe('01');
    c.close();
    await s.server.close();
  });

  it('drops a stalled handshake after handshakeTimeoutMs', async () => {
    const c = await RawClient.open(port);
    await c.read();
    const t0 = Date.now();
    await c.closed;
    expect(Date.now() - t0).toBeLessThan(2000);
  });
});

describe('server lifecycle', () => {
  it('rejects bad options with clear errors', () => {
    const base = {
      handler: fixtureHandler(),
      authServer: new AuthServerNone(),
      serverVersion: 'v',
      logger: silentLogger,
    };
    expect(() => new MysqlServer({ ...base, requireSecureTransport: true })).toThrow(/needs a TLS certificate/);
    expect(() => new MysqlServer({ ...base, tls: { cert: 'nope', key: 'nope' } })).toThrow(
      /invalid TLS certificate or key/,
    );
  });

  it('handler errors in closeStatement and connectionClosed are contained', async () => {
    const handler = fixtureHandler();
    handler.closeStatement = () => {
      throw new Error('close failed');
    };
    handler.connectionClosed = () => {
      throw new Error('rollback failed');
    };
    const s = await startFixtureServer({ handler });
    const { client: c } = await RawClient.login(s.port);
    const id = await prepare(c, 'echo ?', 2);
    c.command(Com.STMT_CLOSE, u32(id)); // no response expected, even though the handler threw
    await prepare(c, 'echo ?', 2);
    c.command(Com.PING);
    expect((await c.read()).payload[0]).toBe(0);
    c.command(Com.QUIT);
    await c.closed;
    await expect.poll(() => s.server.connectionCount).toBe(0);
    await s.server.close();
  });

  it('listen() on a port in use rejects with a VtError', async () => {
    const s = new MysqlServer({
      handler: fixtureHandler(),
      authServer: new AuthServerNone(),
      serverVersion: 'v',
      logger: silentLogger,
    });
    await expect(s.listen(port, '127.0.0.1')).rejects.toThrow(/cannot listen on 127.0.0.1/);
    await s.close();
  });

  it('close() stops accepting and closes open connections', async () => {
    const s = await startFixtureServer();
    const { client: c } = await RawClient.login(s.port);
    expect(s.server.connectionCount).toBe(1);
    await s.server.close();
    await c.closed;
    expect(s.server.connectionCount).toBe(0);
    await expect(RawClient.open(s.port)).rejects.toThrow();
  });
});
