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
});
