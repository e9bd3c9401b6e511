/**
 * A payload codec: how request arguments, responses and stream items become frame payloads. Callers never see
 * it; the client picks one and announces it in the connection preface, the server answers with the same one.
 *
 * Contract: `decode(encode(v))` is deep-equal to `v` for plain values — objects, arrays, strings, numbers,
 * booleans, null, undefined, bigint and Buffer/Uint8Array (decoded as Buffer). Anything else (class
 * instances, Map, Date, functions, cycles) is a VtError INVALID_ARGUMENT from `encode`, never a silent
 * change. `decode` of malformed bytes throws VtError INVALID_ARGUMENT. Decoded Buffers never alias the input.
 * A frozen object or array must hold data properties only (no getters): a codec may encode it once and reuse
 * the bytes (BinaryCodec does when everything inside it is frozen too).
 */
export interface Codec {
  /** Wire id announced in the preface (1..255); unique per codec. */
  readonly id: number;
  readonly name: string;
  encode(value: unknown): Buffer;
  /**
   * Optional: like `encode`, but the returned Buffer starts with `reserve` unspecified bytes for the caller (the
   * frame header), so a frame is sent as one Buffer without another allocation and copy.
   */
  encodeAfter?(reserve: number, value: unknown): Buffer;
  decode(buf: Buffer): unknown;
}
