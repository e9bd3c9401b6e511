import type { Field } from '../sqltypes/index.js';
import { parseColumnDefinition } from './result-packets.js';
import { isBinaryColumn } from './text-row.js';

/**
 * Collects one result's column definitions. A connection mostly runs the same few statements, so each
 * definition is compared byte for byte with the one received at the same position last time and, when equal,
 * its already-parsed Field is reused; when the whole result matches, so are the Field array and the
 * per-column binary flags. Fields are readonly, so sharing them between results is safe.
 */
export class ColumnCache {
  private readonly defs: Buffer[] = [];
  private readonly parsed: Field[] = [];
  private readonly scratch: Field[] = [];
  private count = 0;
  private filled = 0;
  private allHit = false;
  private last: readonly Field[] = [];
  private lastBinary = new Uint8Array(0);

  /** Starts a result of `count` columns. */
  begin(count: number): void {
    this.count = count;
    this.filled = 0;
    this.allHit = count === this.last.length;
  }

  /** Adds the next ColumnDefinition41 packet; true when it was the result's last column. */
  add(buf: Buffer, start: number, end: number): boolean {
    const i = this.filled++;
    const def = this.defs[i];
    let f: Field;
    if (def !== undefined && def.length === end - start && buf.compare(def, 0, def.length, start, end) === 0) {
      f = this.parsed[i]!;
    } else {
      // Frozen, like the array below: shared between results, and the RPC codec encodes frozen data only once.
      f = Object.freeze(parseColumnDefinition(buf, start, end));
      this.defs[i] = Buffer.from(buf.subarray(start, end));
      this.parsed[i] = f;
      this.allHit = false;
    }
    this.scratch[i] = f;
    return this.filled === this.count;
  }

  /** The result's fields (call after the last `add`). */
  fields(): readonly Field[] {
    if (!this.allHit) {
      this.last = Object.freeze(this.scratch.slice(0, this.count));
      this.lastBinary = Uint8Array.from(this.last, (f) => (isBinaryColumn(f) ? 1 : 0));
    }
    return this.last;
  }

  /** One flag per column of the last `fields()`: 1 when its values are Buffers. */
  binary(): Uint8Array {
    return this.lastBinary;
  }
}
