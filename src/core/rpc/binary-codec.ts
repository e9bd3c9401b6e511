import type { Codec } from './codec.js';
import { VtError } from '../errors/index.js';

/*
 * Wire format: one tag byte per value, then
 *   NULL UNDEF FALSE TRUE      nothing
 *   INT8 / INT32               1 / 4 bytes signed LE (integers in int32 range, not -0)
 *   F64                        8 bytes LE (every other number, including -0, NaN, Infinity)
 *   BIG64                      8 bytes signed LE (bigint in int64 range); BIGSTR: varint length + decimal ASCII
 *   STR8 / STR32               1-byte / 4-byte LE UTF-8 length, then bytes
 *   ASCII8                     like STR8, for strings known to be ASCII (decoded without UTF-8 work)
 *   BUF                        varint length, then bytes (decoded as a fresh Buffer)
 *   ARR                        varint count, then values
 *   OBJ                        varint count, then (varint key length, UTF-8 key, value) pairs (codec id 1's
 *                              layout: still decoded, no longer written)
 *   OBJK                       varint count, then every (varint key length, UTF-8 key), then every value in key
 *                              order: the keys form one byte run, so a decoder recognises a repeated shape with
 *                              one hash and compare and builds the object with a literal compiled for that shape
 * Varints are unsigned LEB128. Nesting is limited to MAX_DEPTH, which also turns cycles into a clear error.
 */
const NULL = 0,
  UNDEF = 1,
  FALSE = 2,
  TRUE = 3,
  INT8 = 4,
  INT32 = 5,
  F64 = 6,
  BIG64 = 7,
  BIGSTR = 8;
const STR8 = 9,
  STR32 = 10,
  BUF = 11,
  ARR = 12,
  OBJ = 13,
  ASCII8 = 14,
  OBJK = 15;

/**
 * Node's native slice decoders (present on every Buffer, not in @types/node). For short strings they cost
 * about half of toString(), whose argument handling dominates; decoding rows is mostly short strings.
 */
interface NativeSlices {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}
const MAX_DEPTH = 256;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;

/**
 * vt's default payload codec: compact tagged binary for plain values, about twice as fast as JSON on result
 * rows (see rpc-bench.ts) and exact for Buffer, bigint, undefined and -0, which JSON cannot carry.
 * An instance keeps a scratch buffer between calls, so it is not reentrant (encode does not call out to user
 * code); use one instance per connection or per process.
 */
export class BinaryCodec implements Codec {
  /**
   * 3 since objects are written as OBJK: a peer built before that (id 1) could not read them, so the preface makes
   * such a pair fail at connect ("unsupported codec id") instead of on the first object.
   */
  readonly id = 3;
  readonly name = 'binary';
  private buf: Buffer = Buffer.allocUnsafe(4096);
  private pos = 0;
  private readonly keys = new KeyCache();
  private readonly shapes = new ShapeCache();
  /**
   * Encodings of frozen objects and arrays whose whole content is frozen data (e.g. the tablet's column
   * definitions, reused while a connection runs the same statements; consolidated results shared by joiners):
   * written once, then copied. Entries live as long as their object.
   */
  private readonly frozen = new WeakMap<object, Buffer>();
  /** While encoding: nothing mutable was met since the innermost frozen value started. */
  private allFrozen = true;

  encode(value: unknown): Buffer {
    return this.encodeAfter(0, value);
  }

  encodeAfter(reserve: number, value: unknown): Buffer {
    this.pos = reserve;
    this.allFrozen = true;
    this.ensure(0);
    this.write(value, 0);
    const out = Buffer.allocUnsafe(this.pos);
    this.buf.copy(out, 0, 0, this.pos);
    // Do not keep a huge scratch buffer alive after one large payload.
    if (this.buf.length > 1 << 20) this.buf = Buffer.allocUnsafe(4096);
    return out;
  }

  decode(buf: Buffer): unknown {
    const r = new Reader(buf, this.keys, this.shapes);
    const v = r.value(0);
    if (r.pos !== buf.length) throw malformed(`${buf.length - r.pos} trailing bytes`);
    return v;
  }

  private ensure(n: number): void {
    if (this.pos + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafe(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  private write(v: unknown, depth: number): void {
    switch (typeof v) {
      case 'string':
        return this.writeString(v);
      case 'number':
        return this.writeNumber(v);
      case 'boolean':
        this.ensure(1);
        this.buf[this.pos++] = v ? TRUE : FALSE;
        return;
      case 'undefined':
        this.ensure(1);
        this.buf[this.pos++] = UNDEF;
        return;
      case 'bigint':
        return this.writeBigint(v);
      case 'object':
        if (v === null) {
          this.ensure(1);
          this.buf[this.pos++] = NULL;
          return;
        }
        if (depth >= MAX_DEPTH) throw invalid(`nesting deeper than ${MAX_DEPTH} (cyclic value?)`);
        if (Object.isFrozen(v) && !(v instanceof Uint8Array)) return this.writeFrozen(v, depth);
        this.allFrozen = false;
        return this.writeContainer(v, depth);
      default:
        throw invalid(`cannot encode a ${typeof v}`);
    }
  }

  /** A frozen object or array: its cached bytes, or encoded now and cached when its content is all frozen. */
  private writeFrozen(v: object, depth: number): void {
    const hit = this.frozen.get(v);
    if (hit !== undefined) {
      this.ensure(hit.length);
      this.buf.set(hit, this.pos);
      this.pos += hit.length;
      return;
    }
    const outer = this.allFrozen;
    this.allFrozen = true;
    const start = this.pos;
    this.writeContainer(v, depth);
    if (this.allFrozen) this.frozen.set(v, Buffer.from(this.buf.subarray(start, this.pos)));
    this.allFrozen = outer && this.allFrozen;
  }

  private writeContainer(v: object, depth: number): void {
    if (Array.isArray(v)) {
      this.ensure(6);
      this.buf[this.pos++] = ARR;
      this.writeVarint(v.length);
      for (let i = 0; i < v.length; i++) this.write(v[i], depth + 1);
      return;
    }
    if (v instanceof Uint8Array) {
      this.ensure(6 + v.length);
      this.buf[this.pos++] = BUF;
      this.writeVarint(v.length);
      this.buf.set(v, this.pos);
      this.pos += v.length;
      return;
    }
    this.writeObject(v as Record<string, unknown>, depth);
  }

  private writeObject(o: Record<string, unknown>, depth: number): void {
    const proto = Object.getPrototypeOf(o) as unknown;
    if (proto !== Object.prototype && proto !== null) {
      throw invalid(
        `cannot encode an instance of ${(o.constructor as { name?: string } | undefined)?.name ?? 'a class'}`,
      );
    }
    const keys = Object.keys(o);
    this.ensure(6);
    this.buf[this.pos++] = OBJK;
    this.writeVarint(keys.length);
    for (let i = 0; i < keys.length; i++) this.writeKey(keys[i]!);
    for (let i = 0; i < keys.length; i++) this.write(o[keys[i]!], depth + 1);
  }

  private writeKey(k: string): void {
    const n = k.length;
    this.ensure(5 + n * 3);
    const buf = this.buf;
    const lenAt = this.pos;
    // Keys are short and ASCII: copy them in JS (a native write call costs more than the copy).
    if (n < 0x80) {
      let p = lenAt + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = k.charCodeAt(i);
        if (c >= 0x80) break;
        buf[p++] = c;
      }
      if (i === n) {
        buf[lenAt] = n;
        this.pos = p;
        return;
      }
    }
    // Reserve one varint byte and fall back to a re-encode when the UTF-8 is longer.
    const w = buf.write(k, lenAt + 1, 'utf8');
    if (w < 0x80) {
      buf[lenAt] = w;
      this.pos = lenAt + 1 + w;
    } else {
      this.writeVarint(w);
      this.pos += buf.write(k, this.pos, 'utf8');
    }
  }

  private writeString(s: string): void {
    const n = s.length;
    if (n <= 85) {
      // 85 UTF-16 units are at most 255 UTF-8 bytes: the length fits one byte.
      this.ensure(2 + n * 3);
      const buf = this.buf;
      buf[this.pos] = STR8;
      const start = this.pos + 2;
      let p = start;
      // ASCII fast path: a native write call costs more than the copy for short strings.
      let i = 0;
      if (n <= 24) {
        for (; i < n; i++) {
          const c = s.charCodeAt(i);
          if (c >= 0x80) break;
          buf[p++] = c;
        }
      }
      if (i < n) p = start + buf.write(s, start, 'utf8');
      // UTF-8 length equals UTF-16 length exactly when every character is ASCII.
      if (p - start === n) buf[this.pos] = ASCII8;
      buf[this.pos + 1] = p - start;
      this.pos = p;
      return;
    }
    this.ensure(5 + n * 3);
    this.buf[this.pos] = STR32;
    const written = this.buf.write(s, this.pos + 5, 'utf8');
    this.buf.writeUInt32LE(written, this.pos + 1);
    this.pos += 5 + written;
  }

  private writeNumber(v: number): void {
    this.ensure(9);
    if ((v | 0) === v && (v !== 0 || 1 / v > 0)) {
      if (v >= -128 && v <= 127) {
        this.buf[this.pos++] = INT8;
        this.buf.writeInt8(v, this.pos++);
      } else {
        this.buf[this.pos++] = INT32;
        this.pos = this.buf.writeInt32LE(v, this.pos);
      }
      return;
    }
    this.buf[this.pos++] = F64;
    this.pos = this.buf.writeDoubleLE(v, this.pos);
  }

  private writeBigint(v: bigint): void {
    if (v >= MIN_I64 && v <= MAX_I64) {
      this.ensure(9);
      this.buf[this.pos++] = BIG64;
      this.pos = this.buf.writeBigInt64LE(v, this.pos);
      return;
    }
    const s = v.toString();
    this.ensure(6 + s.length);
    this.buf[this.pos++] = BIGSTR;
    this.writeVarint(s.length);
    this.pos += this.buf.write(s, this.pos, 'latin1');
  }

  /** Caller has ensured 5 bytes. */
  private writeVarint(n: number): void {
    while (n >= 0x80) {
      this.buf[this.pos++] = (n & 0x7f) | 0x80;
      n >>>= 7;
    }
    this.buf[this.pos++] = n;
  }
}

/**
 * Decoded object keys by their bytes, so that repeated keys (every request and result has the same few) come back
 * as the same string: no string allocation per key, and V8 property stores hit their inline caches instead of
 * internalizing a fresh string each time. Short ASCII keys only; bounded (cleared when full).
 */
class KeyCache {
  private readonly map = new Map<number, string>();

  get(buf: Buffer, start: number, end: number): string {
    const n = end - start;
    if (n > 32) return buf.toString('utf8', start, end);
    let h = n;
    for (let i = start; i < end; i++) {
      const c = buf[i]!;
      if (c >= 0x80) return buf.toString('utf8', start, end);
      h = (Math.imul(h, 31) + c) | 0;
    }
    const hit = this.map.get(h);
    if (hit !== undefined && hit.length === n) {
      let same = true;
      for (let i = 0; i < n; i++) {
        if (hit.charCodeAt(i) !== buf[start + i]) {
          same = false;
          break;
        }
      }
      if (same) return hit;
    }
    const k = (buf as unknown as NativeSlices).latin1Slice(start, end);
    if (this.map.size >= 4096) this.map.clear();
    this.map.set(h, k);
    return k;
  }
}

/** Builds one object of a known shape, reading its values from the Reader in key order. */
type ShapeBuilder = (r: Reader, depth: number) => Record<string, unknown>;

interface Shape {
  /** The OBJK key run (lengths and bytes) this shape was compiled from. */
  readonly keyBytes: Buffer;
  readonly build: ShapeBuilder;
}

/** Shapes with more keys, longer key runs, or beyond this many shapes decode the generic way. */
const MAX_SHAPE_KEYS = 64;
const MAX_SHAPE_BYTES = 2048;
const MAX_SHAPES = 512;

/**
 * Object shapes seen by one codec instance, by the hash of their OBJK key run. Each gets a builder compiled from
 * an object literal, so every decoded object of a shape shares one V8 hidden class: no per-key string lookups or
 * megamorphic keyed stores when decoding, and monomorphic property loads for the code that reads the results.
 * Bounded: a peer sending endless new shapes gets the generic decoder once the cache is full.
 */
class ShapeCache {
  private readonly byHash = new Map<number, Shape[]>();
  private count = 0;

  find(buf: Buffer, start: number, end: number, hash: number): Shape | undefined {
    const list = this.byHash.get(hash);
    if (list === undefined) return undefined;
    const n = end - start;
    for (const shape of list) {
      const k = shape.keyBytes;
      if (k.length !== n) continue;
      let i = 0;
      while (i < n && k[i] === buf[start + i]) i++;
      if (i === n) return shape;
    }
    return undefined;
  }

  /** Compiles a builder for `keys` (the decoded key run), or undefined when the shape must decode generically. */
  add(buf: Buffer, start: number, end: number, hash: number, keys: readonly string[]): Shape | undefined {
    if (this.count >= MAX_SHAPES || keys.length > MAX_SHAPE_KEYS || end - start > MAX_SHAPE_BYTES) return undefined;
    // A literal `"__proto__": v` would set the prototype instead of a property: such objects stay generic.
    if (keys.includes('__proto__')) return undefined;
    // JSON.stringify yields a valid JS string literal for any key, so peer-chosen keys cannot inject code.
    const body = `return {${keys.map((k) => `${JSON.stringify(k)}: r.value(d)`).join(', ')}};`;
    const build = new Function('r', 'd', body) as ShapeBuilder;
    const shape: Shape = { keyBytes: Buffer.from(buf.subarray(start, end)), build };
    const list = this.byHash.get(hash);
    if (list === undefined) this.byHash.set(hash, [shape]);
    else list.push(shape);
    this.count++;
    return shape;
  }
}

class Reader {
  pos = 0;
  constructor(
    private readonly buf: Buffer,
    private readonly keys: KeyCache,
    private readonly shapes: ShapeCache,
  ) {}

  value(depth: number): unknown {
    const buf = this.buf;
    if (this.pos >= buf.length) throw malformed('truncated value');
    const tag = buf[this.pos++];
    switch (tag) {
      case NULL:
        return null;
      case UNDEF:
        return undefined;
      case FALSE:
        return false;
      case TRUE:
        return true;
      case INT8:
        this.need(1);
        return buf.readInt8(this.pos++);
      case INT32:
        this.need(4);
        this.pos += 4;
        return buf.readInt32LE(this.pos - 4);
      case F64:
        this.need(8);
        this.pos += 8;
        return buf.readDoubleLE(this.pos - 8);
      case BIG64:
        this.need(8);
        this.pos += 8;
        return buf.readBigInt64LE(this.pos - 8);
      case BIGSTR: {
        const n = this.varint();
        this.need(n);
        const s = buf.toString('latin1', this.pos, (this.pos += n));
        if (!/^-?\d+$/.test(s)) throw malformed('bad bigint');
        return BigInt(s);
      }
      case ASCII8: {
        this.need(1);
        const n = buf[this.pos++]!;
        this.need(n);
        return (buf as unknown as NativeSlices).latin1Slice(this.pos, (this.pos += n));
      }
      case STR8: {
        this.need(1);
        const n = buf[this.pos++]!;
        this.need(n);
        return (buf as unknown as NativeSlices).utf8Slice(this.pos, (this.pos += n));
      }
      case STR32: {
        this.need(4);
        const n = buf.readUInt32LE(this.pos);
        this.pos += 4;
        this.need(n);
        return buf.toString('utf8', this.pos, (this.pos += n));
      }
      case BUF: {
        const n = this.varint();
        this.need(n);
        const out = Buffer.allocUnsafe(n);
        buf.copy(out, 0, this.pos, (this.pos += n));
        return out;
      }
      case ARR: {
        if (depth >= MAX_DEPTH) throw malformed('nesting too deep');
        const n = this.varint();
        // Every element takes at least one byte: a count beyond the remaining bytes is garbage, not an allocation.
        if (n > buf.length - this.pos) throw malformed('array count exceeds payload');
        const a = new Array<unknown>(n);
        for (let i = 0; i < n; i++) a[i] = this.value(depth + 1);
        return a;
      }
      case OBJ: {
        if (depth >= MAX_DEPTH) throw malformed('nesting too deep');
        const n = this.varint();
        if (n > buf.length - this.pos) throw malformed('object count exceeds payload');
        const o: Record<string, unknown> = {};
        for (let i = 0; i < n; i++) {
          const kl = this.varint();
          this.need(kl);
          const k = this.keys.get(buf, this.pos, (this.pos += kl));
          setProperty(o, k, this.value(depth + 1));
        }
        return o;
      }
      case OBJK:
        if (depth >= MAX_DEPTH) throw malformed('nesting too deep');
        return this.shaped(depth);
      default:
        throw malformed(`unknown tag ${tag}`);
    }
  }

  /** An OBJK object (tag consumed): a known shape's builder, else keys decoded one by one. */
  private shaped(depth: number): Record<string, unknown> {
    const buf = this.buf;
    const n = this.varint();
    // Every key takes at least one byte and every value another: a larger count is garbage.
    if (n > (buf.length - this.pos) / 2) throw malformed('object count exceeds payload');
    const start = this.pos;
    let h = n;
    for (let i = 0; i < n; i++) {
      const kl = this.varint();
      this.need(kl);
      const end = this.pos + kl;
      for (let j = this.pos; j < end; j++) h = (Math.imul(h, 31) + buf[j]!) | 0;
      this.pos = end;
    }
    const end = this.pos;
    const known = this.shapes.find(buf, start, end, h);
    if (known !== undefined) return known.build(this, depth + 1);
    const keys = new Array<string>(n);
    this.pos = start;
    for (let i = 0; i < n; i++) {
      const kl = this.varint();
      keys[i] = this.keys.get(buf, this.pos, (this.pos += kl));
    }
    const added = this.shapes.add(buf, start, end, h, keys);
    if (added !== undefined) return added.build(this, depth + 1);
    const o: Record<string, unknown> = {};
    for (let i = 0; i < n; i++) setProperty(o, keys[i]!, this.value(depth + 1));
    return o;
  }

  private need(n: number): void {
    if (this.pos + n > this.buf.length) throw malformed('truncated value');
  }

  private varint(): number {
    let n = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      this.need(1);
      const b = this.buf[this.pos++]!;
      n += (b & 0x7f) * 2 ** shift;
      if (b < 0x80) return n;
    }
    throw malformed('bad varint');
  }
}

/** A decoded property; defineProperty for "__proto__" so it stays data instead of replacing the prototype. */
function setProperty(o: Record<string, unknown>, k: string, v: unknown): void {
  if (k === '__proto__')
    Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

function invalid(what: string): VtError {
  return new VtError('INVALID_ARGUMENT', `binary codec: ${what}`);
}

function malformed(what: string): VtError {
  return new VtError('INVALID_ARGUMENT', `binary codec: malformed payload: ${what}`);
}
