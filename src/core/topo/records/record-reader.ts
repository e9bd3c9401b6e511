import { VtError } from '../../errors/index.js';

/**
 * Decoding helpers shared by the typed topology records. Records are JSON objects with Vitess's snake_case
 * field names. Decoding is forward compatible: the decoded record keeps every field of the stored object,
 * including ones this version does not know, so a read-modify-write (`{...old, changed}`) preserves them.
 * Known fields are type-checked and defaulted; a wrong type fails with INTERNAL (reason 'BadRecord') naming
 * the record, its path and the field.
 */

export type JsonObject = Record<string, unknown>;

export function badRecord(kind: string, where: string, detail: string): VtError {
  return new VtError('INTERNAL', `bad ${kind} record at ${where}: ${detail}`, { reason: 'BadRecord' });
}

/** Parses the stored bytes into a JSON object (arrays and scalars are rejected). */
export function parseRecordJson(kind: string, where: string, data: Buffer | string): JsonObject {
  let value: unknown;
  try {
    value = JSON.parse(typeof data === 'string' ? data : data.toString('utf8'));
  } catch (e) {
    throw badRecord(kind, where, `invalid JSON (${(e as Error).message})`);
  }
  if (!isObject(value)) throw badRecord(kind, where, 'expected a JSON object');
  return value;
}

export function isObject(v: unknown): v is JsonObject {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Serialises a record for storage: pretty JSON so `get-topology-path` and etcdctl dumps stay readable. */
export function encodeRecord(record: object): Buffer {
  return Buffer.from(JSON.stringify(record, null, 2) + '\n', 'utf8');
}

/** Typed access to the known fields of one JSON object; `field` paths in errors are relative to the record. */
export class RecordReader {
  constructor(
    readonly obj: JsonObject,
    private readonly kind: string,
    private readonly where: string,
    private readonly prefix = '',
  ) {}

  fail(key: string, expected: string): never {
    throw badRecord(this.kind, this.where, `field "${this.prefix}${key}" must be ${expected}`);
  }

  string(key: string, def: string): string {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  optString(key: string): string | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (typeof v !== 'string') this.fail(key, 'a string');
    return v;
  }

  nullableString(key: string): string | null {
    return this.optString(key) ?? null;
  }

  bool(key: string, def: boolean): boolean {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'boolean') this.fail(key, 'a boolean');
    return v;
  }

  int(key: string, def: number): number {
    const v = this.obj[key];
    if (v === undefined || v === null) return def;
    if (typeof v !== 'number' || !Number.isInteger(v)) this.fail(key, 'an integer');
    return v;
  }

  oneOf<T extends string>(key: string, allowed: readonly T[], def: T): T {
    const v = this.string(key, def);
    if (!(allowed as readonly string[]).includes(v)) this.fail(key, `one of ${allowed.join(', ')}`);
    return v as T;
  }

  /** A nested object, as a reader; null/absent gives undefined. */
  child(key: string): RecordReader | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(key, 'an object');
    return new RecordReader(v, this.kind, this.where, `${this.prefix}${key}.`);
  }

  /** A plain object value kept as is (tags, maps of unknown shape). */
  object(key: string): JsonObject | undefined {
    const v = this.obj[key];
    if (v === undefined || v === null) return undefined;
    if (!isObject(v)) this.fail(key, 'an object');
    return v;
  }

  /** An array whose elements are decoded by `each` (given a reader per object element). */
  array<T>(key: string, each: (r: RecordReader) => T): T[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v)) this.fail(key, 'an array');
    return v.map((el, i) => {
      if (!isObject(el)) this.fail(`${key}[${i}]`, 'an object');
      return each(new RecordReader(el, this.kind, this.where, `${this.prefix}${key}[${i}].`));
    });
  }

  stringArray(key: string): string[] {
    const v = this.obj[key];
    if (v === undefined || v === null) return [];
    if (!Array.isArray(v) || v.some((s) => typeof s !== 'string')) this.fail(key, 'an array of strings');
    return v as string[];
  }
}
