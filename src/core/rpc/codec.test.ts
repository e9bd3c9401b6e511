import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { BinaryCodec } from './binary-codec.js';
import type { Codec } from './codec.js';
import { JsonCodec } from './json-codec.js';

const cases: [string, unknown][] = [
  ['null', null],
  ['true', true],
  ['false', false],
  ['small int', 7],
  ['negative int', -129],
  ['int32 max', 2147483647],
  ['beyond int32', 2 ** 40 + 1],
  ['float', 3.25],
  ['empty string', ''],
  ['ascii', 'hello'],
  ['unicode', 'héllo wörld ✓ 日本語 🚀'],
  ['long string', 'x'.repeat(100_000)],
  ['long unicode', 'ü'.repeat(300)],
  ['bigint', 18446744073709551615n],
  ['negative bigint', -42n],
  ['huge bigint', 123456789012345678901234567890n],
  ['Buffer', Buffer.from([0, 1, 2, 255])],
  ['empty Buffer', Buffer.alloc(0)],
  ['row', ['1', 'alice', null, Buffer.from('blob'), '3.14']],
  ['nested', { a: [1, { b: [null, 'x', { c: 5n }] }], ключ: { '': true } }],
  [
    'result',
    {
      fields: [{ name: 'id', type: 'INT64' }],
      rows: [
        ['1', null],
        ['2', Buffer.from([9])],
      ],
      insertId: 9007199254740993n,
    },
  ],
];

const codecs: Codec[] = [new BinaryCodec(), new JsonCodec()];

describe.each(codecs)('$name codec', (codec) => {
  it.each(cases)('round-trips %s', (_name, value) => {
    const back = codec.decode(codec.encode(value));
    expect(back).toEqual(value);
    if (Buffer.isBuffer(value)) expect(Buffer.isBuffer(back)).toBe(true);
  });

  it('round-trips top-level undefined', () => {
    expect(codec.decode(codec.encode(undefined))).toBeUndefined();
  });

  it('keeps null distinct from undefined in arrays', () => {
    const back = codec.decode(codec.encode([null, undefined, 1])) as unknown[];
    expect(back[0]).toBeNull();
    expect(back[1]).toBeUndefined();
  });

  it('decodes a Uint8Array as a Buffer that does not alias the input', () => {
    const payload = codec.encode({ b: new Uint8Array([1, 2, 3]) });
    const back = codec.decode(payload) as { b: Buffer };
    expect(Buffer.isBuffer(back.b)).toBe(true);
    expect([...back.b]).toEqual([1, 2, 3]);
    payload.fill(0);
    expect([...back.b]).toEqual([1, 2, 3]);
  });

  it('rejects malformed payloads with INVALID_ARGUMENT', () => {
    for (const bad of [Buffer.from([0xff]), Buffer.from('{"a":'), Buffer.from([12, 0xff, 0xff, 0xff, 0x7f])]) {
      try {
        codec.decode(bad);
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(VtError);
        expect((err as VtError).code).toBe('INVALID_ARGUMENT');
      }
    }
  });
});

describe('BinaryCodec specifics', () => {
  const codec = new BinaryCodec();

  it('keeps undefined object properties and -0', () => {
    const back = codec.decode(codec.encode({ a: undefined, z: -0 })) as Record<string, unknown>;
    expect('a' in back).toBe(true);
    expect(Object.is(back['z'], -0)).toBe(true);
  });

  it('rejects cycles, class instances and functions with a clear error', () => {
    const cyclic: Record<string, unknown> = {};
    cyclic['self'] = cyclic;
    expect(() => codec.encode(cyclic)).toThrow(/nesting deeper/);
    expect(() => codec.encode(new Map())).toThrow(/instance of Map/);
    expect(() => codec.encode({ f: () => 1 })).toThrow(/cannot encode a function/);
  });

  it('treats a __proto__ key as data', () => {
    const back = codec.decode(codec.encode(JSON.parse('{"__proto__":{"polluted":1}}'))) as Record<string, unknown>;
    expect(Object.getPrototypeOf(back)).toBe(Object.prototype);
    expect(Object.keys(back)).toEqual(['__proto__']);
  });

  it('rejects truncated and trailing bytes', () => {
    const full = codec.encode(['abc', 1]);
    expect(() => codec.decode(full.subarray(0, full.length - 1))).toThrow(/truncated/);
    expect(() => codec.decode(Buffer.concat([full, Buffer.from([0])]))).toThrow(/trailing/);
  });

  it('is smaller than JSON for result rows', () => {
    const rows = Array.from({ length: 100 }, (_, i) => [String(i), `user${i}`, null, 'some text value', String(i * 7)]);
    expect(codec.encode(rows).length).toBeLessThan(new JsonCodec().encode(rows).length);
  });

  it('decodes repeated object shapes from its shape cache with the same values and key order', () => {
    const c = new BinaryCodec();
    const mk = (i: number): Record<string, unknown> => ({ name: `c${i}`, type: i, charset: 45, flags: i % 2 === 0 });
    for (let i = 0; i < 5; i++) {
      const back = c.decode(c.encode({ fields: [mk(i), mk(i + 1)], rows: [] })) as { fields: unknown[] };
      expect(back.fields).toEqual([mk(i), mk(i + 1)]);
      expect(Object.keys(back.fields[0] as object)).toEqual(['name', 'type', 'charset', 'flags']);
    }
    // Same keys in another order, and keys split differently across the same bytes, are other shapes.
    expect(c.decode(c.encode({ type: 1, name: 'x' }))).toEqual({ type: 1, name: 'x' });
    expect(Object.keys(c.decode(c.encode({ type: 1, name: 'x' })) as object)).toEqual(['type', 'name']);
    expect(c.decode(c.encode({ ab: 1, c: 2 }))).toEqual({ ab: 1, c: 2 });
    expect(c.decode(c.encode({ a: 1, bc: 2 }))).toEqual({ a: 1, bc: 2 });
    expect(c.decode(c.encode({}))).toEqual({});
  });

  it('keeps keys that look like code as data, and __proto__ as a property, on every decode', () => {
    const c = new BinaryCodec();
    const evil = { '"}; globalThis.pwned = 1; ({"': 1, '\u2028x': 2, '`${x}`': 3 };
    for (let i = 0; i < 3; i++) {
      expect(c.decode(c.encode(evil))).toEqual(evil);
      const proto = c.decode(c.encode(JSON.parse('{"a":1,"__proto__":{"polluted":1}}'))) as Record<string, unknown>;
      expect(Object.getPrototypeOf(proto)).toBe(Object.prototype);
      expect(Object.keys(proto)).toEqual(['a', '__proto__']);
    }
    expect((globalThis as Record<string, unknown>)['pwned']).toBeUndefined();
  });

  it('still decodes correctly once the shape cache is full', () => {
    const c = new BinaryCodec();
    for (let i = 0; i < 700; i++) {
      const v = { [`k${i}`]: i, common: 'x' };
      expect(c.decode(c.encode(v))).toEqual(v);
    }
    expect(c.decode(c.encode({ k3: 3, common: 'x' }))).toEqual({ k3: 3, common: 'x' });
  });

  it('rejects an object count larger than the payload could hold', () => {
    // OBJK with a count of 100 and two bytes left.
    expect(() => codec.decode(Buffer.from([15, 100, 1, 97]))).toThrow(/object count exceeds payload/);
    // A key run that ends early.
    expect(() => codec.decode(Buffer.from([15, 1, 5, 97, 98]))).toThrow(/truncated/);
  });

  it('decodes the older OBJ layout (interleaved keys and values)', () => {
    // OBJ, 2 entries: "a" -> INT8 1, "b" -> NULL
    expect(codec.decode(Buffer.from([13, 2, 1, 97, 4, 1, 1, 98, 0]))).toEqual({ a: 1, b: null });
  });

  it('encodes frozen data once and reuses the bytes, but never caches what holds something mutable', () => {
    const c = new BinaryCodec();
    const field = Object.freeze({ name: 'c', type: 254, flags: 1 });
    const fields = Object.freeze([field, Object.freeze({ name: 'd', type: 3, flags: 0 })]);
    const first = c.encode({ fields, rows: [['x']] });
    const again = c.encode({ fields, rows: [['x']] });
    expect(again.equals(first)).toBe(true);
    expect(c.decode(again)).toEqual({ fields: [field, { name: 'd', type: 3, flags: 0 }], rows: [['x']] });
    // A frozen wrapper around a mutable array: its encoding must follow the array.
    const rows = [['1']];
    const holder = Object.freeze({ rows });
    expect(c.decode(c.encode(holder))).toEqual({ rows: [['1']] });
    rows.push(['2']);
    expect(c.decode(c.encode(holder))).toEqual({ rows: [['1'], ['2']] });
    // A Buffer inside a frozen object is mutable too.
    const b = Buffer.from([1]);
    const withBuf = Object.freeze({ b });
    c.encode(withBuf);
    b[0] = 2;
    expect((c.decode(c.encode(withBuf)) as { b: Buffer }).b[0]).toBe(2);
    // A failed encode (class instance inside) leaves no state behind.
    expect(() => c.encode(Object.freeze({ m: new Map() }))).toThrow(/instance of Map/);
    expect(c.decode(c.encode({ fields }))).toEqual({ fields: [field, { name: 'd', type: 3, flags: 0 }] });
  });
});
