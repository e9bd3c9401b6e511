import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { field, type Field } from '../sqltypes/field.js';
import type { ResultEvent } from '../sqltypes/result.js';
import { ColumnFlag, MysqlType } from '../sqltypes/mysql-type.js';
import { writeBinaryRow, writeBinaryValue } from './binary-row.js';
import { Cap } from './constants.js';
import { parseHandshakeResponse, writeHandshakeV10 } from './handshake.js';
import { PacketFramer } from './packet-framer.js';
import { PacketReader } from './packet-reader.js';
import { PacketWriter } from './packet-writer.js';
import { ResultWriter } from './result-writer.js';
import { writeColumnDefinition, writeEof, writeErr, writeOk, writeTextRow } from './server-packets.js';
import { decodeExecuteParams, float32Text } from './stmt-params.js';

interface Golden {
  lenenc: { value: string; hex: string }[];
  packets: { name: string; source: string; hex: string }[];
}
const golden = JSON.parse(readFileSync(new URL('./testdata/packets.json', import.meta.url), 'utf8')) as Golden;

function build(f: (w: PacketWriter) => void, seq = 0): string {
  const w = new PacketWriter(16);
  w.seq = seq;
  f(w);
  return w.take().toString('hex');
}

const autocommit = { inTransaction: false, autocommit: true };

const builders: Record<string, () => string> = {
  'ok-autocommit': () => build((w) => writeOk(w, { affectedRows: 0, insertId: 0, status: 2, warnings: 0 }), 2),
  'ok-insert-id-max': () =>
    build((w) => writeOk(w, { affectedRows: 1, insertId: 18446744073709551615n, status: 3, warnings: 1 }), 1),
  'ok-info': () =>
    build((w) => writeOk(w, { affectedRows: 3, insertId: 0, status: 2, warnings: 0, info: 'Records: 3' }), 1),
  'err-no-tables-used': () => build((w) => writeErr(w, 1096, 'HY000', 'No tables used'), 1),
  eof: () => build((w) => writeEof(w, 0, 2), 5),
  'text-resultset-version-comment': () =>
    build((w) => {
      const rw = new ResultWriter(w, autocommit, false, false);
      const f = field('@@version_comment', MysqlType.VAR_STRING, {
        orgName: '',
        charset: 8,
        columnLength: 28,
        flags: 0,
        decimals: 0x1f,
      });
      rw.push({ kind: 'fields', fields: [f] });
      rw.push({ kind: 'rows', rows: [['MySQL Community Server (GPL)']] });
      rw.push({ kind: 'ok' });
      rw.finish();
    }, 1),
  'binary-resultset-foobar': () =>
    build((w) => {
      const rw = new ResultWriter(w, autocommit, false, true);
      const f = field('col1', MysqlType.VAR_STRING, {
        orgName: '',
        charset: 8,
        columnLength: 6,
        flags: 0,
        decimals: 0x1f,
      });
      rw.push({ kind: 'fields', fields: [f] });
      rw.push({ kind: 'rows', rows: [['foobar']] });
      rw.finish();
    }, 1),
  'handshake-v10': () =>
    build((w) =>
      writeHandshakeV10(w, {
        serverVersion: '8.0.40-vt',
        connectionId: 7,
        scramble: Buffer.from('abcdefghijklmnopqrst'),
        capabilities: 0x013fa20f,
        charset: 45,
        status: 2,
        authPlugin: 'mysql_native_password',
      }),
    ),
};

describe('golden packets', () => {
  it.each(golden.packets)('$name ($source)', ({ name, hex }) => {
    const b = builders[name];
    expect(b, `no builder for ${name}`).toBeDefined();
    expect(b!()).toBe(hex);
  });

  it.each(golden.lenenc)('lenenc int $value', ({ value, hex }) => {
    const v = BigInt(value);
    expect(build((w) => w.lenencInt(v))).toBe(hex);
    if (v <= BigInt(Number.MAX_SAFE_INTEGER)) {
      expect(build((w) => w.lenencInt(Number(v)))).toBe(hex);
      expect(new PacketReader(Buffer.from(hex, 'hex')).lenencInt()).toBe(Number(v));
    }
  });
});

describe('ResultWriter', () => {
  const stream = (evs: ResultEvent[], deprecateEof = true): string[] => {
    const w = new PacketWriter();
    w.seq = 1;
    const rw = new ResultWriter(w, autocommit, deprecateEof, false);
    for (const e of evs) rw.push(e);
    rw.finish();
    const out = w.take();
    const packets: string[] = [];
    for (let pos = 0; pos < out.length;) {
      const len = out.readUIntLE(pos, 3);
      packets.push(out.toString('hex', pos + 4, pos + 4 + len));
      pos += 4 + len;
    }
    return packets;
  };
  const f = field('a', MysqlType.LONG);

  it('an empty stream is one OK; fields without columns are a row-less result', () => {
    expect(stream([])).toEqual(['00000002000000']);
    expect(
      stream([
        { kind: 'fields', fields: [] },
        { kind: 'ok', affectedRows: 2 },
      ]),
    ).toEqual(['00020002000000']);
  });

  it('a result set left open is closed; a new fields event closes the previous one with MORE_RESULTS', () => {
    const p = stream([
      { kind: 'fields', fields: [f] },
      { kind: 'rows', rows: [['1']] },
      { kind: 'fields', fields: [f] },
    ]);
    expect(p).toHaveLength(7);
    expect(p[3]).toBe('fe00000a000000'); // AUTOCOMMIT | MORE_RESULTS_EXISTS
    expect(p[6]).toBe('fe000002000000');
  });

  it('classic EOF terminators carry warnings and status', () => {
    const p = stream(
      [
        { kind: 'fields', fields: [f] },
        { kind: 'ok', warnings: 3, statusFlags: 0x20 },
      ],
      false,
    );
    expect(p[2]).toBe('fe00000200'); // after the column definitions
    expect(p[3]).toBe('fe03002200'); // warnings 3, AUTOCOMMIT | NO_INDEX_USED
  });

  it('handler mistakes throw VtError: rows before fields, wrong row width', () => {
    expect(() => stream([{ kind: 'rows', rows: [['1']] }])).toThrow(VtError);
    expect(() =>
      stream([
        { kind: 'fields', fields: [f] },
        { kind: 'rows', rows: [['1', '2']] },
      ]),
    ).toThrow(/2 values for 1 fields/);
  });
});

describe('PacketReader', () => {
  it.each([
    ['truncated lenenc', 'fc01', (r: PacketReader) => r.lenencInt()],
    ['lenenc NULL marker', 'fb', (r: PacketReader) => r.lenencInt()],
    ['string longer than packet', '05616263', (r: PacketReader) => r.lenencString()],
    ['unterminated NUL string', '616263', (r: PacketReader) => r.nulString()],
    ['int<4> past end', '0102', (r: PacketReader) => r.u32()],
    ['lenenc above 2^53', 'feffffffffffffffff', (r: PacketReader) => r.lenencInt()],
  ])('%s throws 1835', (_n, hex, f) => {
    const r = new PacketReader(Buffer.from(hex, 'hex'));
    expect(() => f(r)).toThrow(VtError);
    try {
      f(new PacketReader(Buffer.from(hex, 'hex')));
    } catch (e) {
      expect((e as VtError).errno).toBe(1835);
    }
  });
});

describe('16 MiB framing', () => {
  const M = 0xffffff;
  it.each([
    [M - 1, [M - 1]],
    [M, [M, 0]],
    [M + 10, [M, 10]],
    [2 * M, [M, M, 0]],
  ])('a payload of %i bytes is split into %j and joined back', (size, parts) => {
    const w = new PacketWriter();
    w.seq = 3;
    const payload = Buffer.alloc(size);
    payload.fill(0xab);
    payload[0] = 1;
    payload[size - 1] = 2;
    w.begin().bytes(payload).end();
    const out = w.take();
    let pos = 0;
    const seen: number[] = [];
    const seqs: number[] = [];
    while (pos < out.length) {
      const len = out.readUIntLE(pos, 3);
      seen.push(len);
      seqs.push(out[pos + 3]!);
      pos += 4 + len;
    }
    expect(seen).toEqual(parts);
    expect(seqs).toEqual(parts.map((_, i) => 3 + i));
    expect(w.seq).toBe(3 + parts.length);
    // Feed back in awkward chunk sizes.
    const framer = new PacketFramer(64 * 1024 * 1024);
    const got = [];
    for (let i = 0; i < out.length; i += 1_000_003) {
      framer.push(out.subarray(i, i + 1_000_003));
      for (let p = framer.next(); p !== null; p = framer.next()) got.push(p);
    }
    expect(got).toHaveLength(1);
    expect(got[0]!.seq).toBe(3);
    expect(got[0]!.nextSeq).toBe(3 + parts.length);
    expect(got[0]!.payload.equals(payload)).toBe(true);
  });

  it('rejects a packet over maxAllowedPacket from its header alone (1153)', () => {
    const framer = new PacketFramer(1000);
    framer.push(Buffer.from([0xe9, 0x03, 0x00, 0x00])); // 1001 bytes declared
    expect(() => framer.next()).toThrow(expect.objectContaining({ errno: 1153, sqlState: '08S01' }));
  });

  it('counts split parts against maxAllowedPacket', () => {
    const framer = new PacketFramer(M + 5);
    const first = Buffer.alloc(4 + M);
    first.writeUIntLE(M, 0, 3);
    framer.push(first);
    framer.push(Buffer.from([0x06, 0, 0, 1]));
    expect(() => framer.next()).toThrow(expect.objectContaining({ errno: 1153 }));
  });

  it('splits pipelined packets and headers split across chunks', () => {
    const framer = new PacketFramer(1024);
    const bytes = Buffer.from('0100000001' + '0400000003616263' + '00000000', 'hex');
    const got: string[] = [];
    for (const b of bytes) {
      framer.push(Buffer.from([b]));
      for (let p = framer.next(); p !== null; p = framer.next()) got.push(p.payload.toString('hex'));
    }
    expect(got).toEqual(['01', '03616263', '']);
  });
});

describe('handshake response', () => {
  const serverCaps = 0x013fa20f | Cap.SSL;
  const base = (caps: number): Buffer[] => [u32(caps), u32(16777216), Buffer.from([45]), Buffer.alloc(23)];

  it('decodes user, lenenc auth data, database, plugin and attributes', () => {
    const caps =
      Cap.PROTOCOL_41 |
      Cap.SECURE_CONNECTION |
      Cap.PLUGIN_AUTH |
      Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA |
      Cap.CONNECT_WITH_DB |
      Cap.CONNECT_ATTRS |
      Cap.COMPRESS;
    const attrs = Buffer.from('035f6f73054c696e75780c70726f6772616d5f6e616d65056d7973716c', 'hex');
    const p = Buffer.concat([
      ...base(caps),
      Buffer.from('pam\0'),
      Buffer.from([3, 1, 2, 3]),
      Buffer.from('test\0mysql_native_password\0'),
      Buffer.from([attrs.length]),
      attrs,
    ]);
    const r = parseHandshakeResponse(p, serverCaps);
    expect(r).toMatchObject({
      user: 'pam',
      database: 'test',
      authPlugin: 'mysql_native_password',
      sslRequest: false,
      charset: 45,
    });
    expect(r.authResponse.toString('hex')).toBe('010203');
    expect([...r.attrs]).toEqual([
      ['_os', 'Linux'],
      ['program_name', 'mysql'],
    ]);
    expect(r.capabilities & Cap.COMPRESS).toBe(0); // not offered by the server: dropped
  });

  it('decodes 1-byte-length auth data (SECURE_CONNECTION without LENENC) and recognises an SSLRequest', () => {
    const caps = Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION;
    const p = Buffer.concat([...base(caps), Buffer.from('root\0'), Buffer.from([2, 9, 9])]);
    expect(parseHandshakeResponse(p, serverCaps)).toMatchObject({ user: 'root', database: '', authPlugin: '' });
    expect(parseHandshakeResponse(Buffer.concat(base(caps | Cap.SSL)), serverCaps).sslRequest).toBe(true);
    // 32 bytes without CLIENT_SSL is a response missing its user name, not an SSLRequest
    expect(() => parseHandshakeResponse(Buffer.concat(base(caps)), serverCaps)).toThrow(
      expect.objectContaining({ errno: 1835 }),
    );
  });

  it('refuses pre-4.1 clients (1043) and truncated packets (1835)', () => {
    expect(() => parseHandshakeResponse(Buffer.concat(base(Cap.SECURE_CONNECTION)), serverCaps)).toThrow(
      expect.objectContaining({ errno: 1043 }),
    );
    const caps = Cap.PROTOCOL_41 | Cap.SECURE_CONNECTION | Cap.PLUGIN_AUTH_LENENC_CLIENT_DATA;
    expect(() =>
      parseHandshakeResponse(Buffer.concat([...base(caps), Buffer.from('u\0'), Buffer.from([20, 1])]), serverCaps),
    ).toThrow(expect.objectContaining({ errno: 1835 }));
  });
});

function u32(n: number): Buffer {
  const b = Buffer.alloc(4);
  b.writeUInt32LE(n >>> 0);
  return b;
}

const unsigned = (f: Field): Field => ({ ...f, flags: f.flags | ColumnFlag.UNSIGNED });

describe('binary values (from the text form)', () => {
  it.each<[string, Field, string, string]>([
    ['TINY signed', field('a', MysqlType.TINY), '-128', '80'],
    ['TINY unsigned', unsigned(field('a', MysqlType.TINY)), '255', 'ff'],
    ['SHORT', field('a', MysqlType.SHORT), '-2', 'feff'],
    ['YEAR', field('a', MysqlType.YEAR), '2024', 'e807'],
    ['INT24', field('a', MysqlType.INT24), '-8388608', '000080ff'],
    ['LONG unsigned', unsigned(field('a', MysqlType.LONG)), '4294967295', 'ffffffff'],
    ['LONGLONG -1', field('a', MysqlType.LONGLONG), '-1', 'ffffffffffffffff'],
    ['LONGLONG min', field('a', MysqlType.LONGLONG), '-9223372036854775808', '0000000000000080'],
    ['LONGLONG unsigned max', unsigned(field('a', MysqlType.LONGLONG)), '18446744073709551615', 'ffffffffffffffff'],
    ['LONGLONG 2^32+1', field('a', MysqlType.LONGLONG), '4294967297', '0100000001000000'],
    ['FLOAT', field('a', MysqlType.FLOAT), '1.5', '0000c03f'],
    ['DOUBLE', field('a', MysqlType.DOUBLE), '1.5', '000000000000f83f'],
    ['NEWDECIMAL', field('a', MysqlType.NEWDECIMAL), '1.50', '04312e3530'],
    ['DATE', field('a', MysqlType.DATE), '2024-02-29', '04e807021d'],
    ['DATE zero', field('a', MysqlType.DATE), '0000-00-00', '00'],
    ['DATETIME', field('a', MysqlType.DATETIME), '2024-02-29 13:14:15', '07e807021d0d0e0f'],
    ['DATETIME midnight', field('a', MysqlType.DATETIME), '2024-02-29 00:00:00', '04e807021d'],
    ['DATETIME micro', field('a', MysqlType.DATETIME), '2024-02-29 13:14:15.123456', '0be807021d0d0e0f40e20100'],
    ['DATETIME .5', field('a', MysqlType.TIMESTAMP), '2024-02-29 13:14:15.5', '0be807021d0d0e0f20a10700'],
    ['TIME', field('a', MysqlType.TIME), '12:34:56', '0800000000000c2238'],
    ['TIME zero', field('a', MysqlType.TIME), '00:00:00', '00'],
    ['TIME negative micro', field('a', MysqlType.TIME), '-838:59:59.000001', '0c0122000000163b3b01000000'],
    ['VAR_STRING utf8', field('a', MysqlType.VAR_STRING), 'é', '02c3a9'],
    ['JSON', field('a', MysqlType.JSON), '{}', '027b7d'],
  ])('%s', (_n, f, v, hex) => {
    const w = new PacketWriter();
    writeBinaryValue(w, f, v);
    expect(w.take().toString('hex')).toBe(hex);
  });

  it.each<[Field, string]>([
    [field('a', MysqlType.LONG), 'abc'],
    [field('a', MysqlType.LONGLONG), '12345678901234567890x'],
    [field('a', MysqlType.DATETIME), '2024-2-3'],
    [field('a', MysqlType.TIME), 'noon'],
    [field('a', MysqlType.DOUBLE), 'x'],
  ])('%o rejects %s with a VtError', (f, v) => {
    expect(() => writeBinaryValue(new PacketWriter(), f, v)).toThrow(VtError);
  });

  it('null bitmap uses offset 2 and grows past 6 columns', () => {
    const fields = Array.from({ length: 7 }, (_, i) => field(`c${i}`, MysqlType.TINY));
    const hex = build((w) => writeBinaryRow(w, fields, ['1', null, '3', '4', '5', '6', null]));
    // header, 0x00, bitmap: bit 3 (col 1) = 0x08; col 6 -> bit 8 -> byte 2 bit 0 = 0x01
    expect(hex.slice(8)).toBe('00' + '08' + '01' + '01030405' + '06');
  });

  it.each([
    ['', '00'],
    ['def', '03646566'],
    ['aé', '0361c3a9'],
    ['x'.repeat(32), '20' + '78'.repeat(32)],
    ['x'.repeat(31) + 'é', '21' + '78'.repeat(31) + 'c3a9'],
    ['x'.repeat(33), '21' + '78'.repeat(33)],
    ['\u0000\u007f', '02007f'],
  ])('lenencString(%j)', (str, hex) => {
    const w = new PacketWriter(4);
    w.lenencString(str);
    expect(w.take().toString('hex')).toBe(hex);
  });

  it('text rows: lenenc strings, NULL as 0xfb, Buffers verbatim, long strings with 2-byte lengths', () => {
    const long = 'x'.repeat(300);
    const hex = build((w) =>
      writeTextRow(w, ['ab', null, Buffer.from([0, 255]), long, 'ü'.repeat(90), '✓'.repeat(83), '😀'.repeat(41)]),
    );
    expect(hex.slice(8, 8 + 16)).toBe('026162fb0200fffc');
    expect(hex).toContain('fc2c01' + '78'.repeat(300));
    expect(hex).toContain('b4' + 'c3bc'.repeat(90));
    expect(hex).toContain('f9' + 'e29c93'.repeat(83)); // 249 bytes: still a one-byte length
    expect(hex.endsWith('a4' + 'f09f9880'.repeat(41))).toBe(true);
  });

  it('column definition of a typical table column', () => {
    const f = field('id', MysqlType.LONGLONG, {
      table: 't',
      orgTable: 'tbl',
      database: 'db',
      flags: ColumnFlag.NOT_NULL | ColumnFlag.PRI_KEY,
    });
    expect(build((w) => writeColumnDefinition(w, f))).toBe(
      '20000000' +
        '03646566' +
        '026462' +
        '0174' +
        '0374626c' +
        '026964' +
        '026964' +
        '0c' +
        '3f00' +
        '14000000' +
        '08' +
        '0300' +
        '00' +
        '0000',
    );
  });
});

describe('COM_STMT_EXECUTE parameters', () => {
  function decode(hexParams: string, count: number, prev?: Parameters<typeof decodeExecuteParams>[2]) {
    return decodeExecuteParams(new PacketReader(Buffer.from(hexParams, 'hex')), count, prev, new Map());
  }

  it.each<[string, string, string | null, boolean]>([
    ['TINY -1', '0100ff', '-1', false],
    ['TINY unsigned 255', '0180ff', '255', true],
    ['SHORT -2', '0200feff', '-2', false],
    ['LONG unsigned', '0380ffffffff', '4294967295', true],
    ['LONGLONG signed min', '08000000000000000080', '-9223372036854775808', false],
    ['LONGLONG unsigned max', '0880ffffffffffffffff', '18446744073709551615', true],
    ['FLOAT 0.1', '0400cdcccc3d', '0.1', false],
    ['DOUBLE 1.5', '0500000000000000f83f', '1.5', false],
    ['DATE', '0a0004e807021d', '2024-02-29', false],
    ['DATETIME len 0', '0c0000', '0000-00-00 00:00:00', false],
    ['DATETIME len 7', '0c0007e807021d0d0e0f', '2024-02-29 13:14:15', false],
    ['DATETIME len 11', '0c000be807021d0d0e0f40e20100', '2024-02-29 13:14:15.123456', false],
    ['TIME negative', '0b000c0122000000163b3b01000000', '-838:59:59.000001', false],
    ['TIME len 0', '0b0000', '00:00:00', false],
    ['VAR_STRING', 'fd0003616263', 'abc', false],
    ['NEWDECIMAL', 'f60004312e3530', '1.50', false],
    ['NULL type', '0600', null, false],
  ])('%s', (_n, typeAndValue, expected, uns) => {
    // one param: null bitmap 00, new-params-bound 1, then type (2 bytes) and value
    const hex = '0001' + typeAndValue.slice(0, 4) + typeAndValue.slice(4);
    const { params } = decode(hex, 1);
    expect(params[0]!.value).toBe(expected);
    expect(params[0]!.unsigned).toBe(uns);
  });

  it('BLOB values come back as Buffers, NULL bitmap wins over the value', () => {
    const { params } = decode('02' + '01' + 'fc00' + 'fc00' + '020102', 2);
    expect(params[0]!.value).toEqual(Buffer.from([1, 2]));
    expect(params[1]!.value).toBeNull();
  });

  it('rejects unknown types, bad date lengths, truncation and missing types', () => {
    expect(() => decode('0001' + '7700' + '00', 1)).toThrow(expect.objectContaining({ errno: 1835 }));
    expect(() => decode('0001' + '0c00' + '05', 1)).toThrow(expect.objectContaining({ errno: 1835 }));
    expect(() => decode('0001' + '0800' + '0102', 1)).toThrow(expect.objectContaining({ errno: 1835 }));
    expect(() => decode('0000', 1)).toThrow(expect.objectContaining({ errno: 1210 }));
    expect(() => decode('0002', 1)).toThrow(expect.objectContaining({ errno: 1835 }));
  });

  it('float32Text prints the shortest text that reads back as the same float', () => {
    expect(float32Text(Math.fround(0.1))).toBe('0.1');
    expect(float32Text(Math.fround(3.4028234663852886e38))).toBe('3.4028235e+38');
    expect(float32Text(Math.fround(-1.5))).toBe('-1.5');
  });
});
