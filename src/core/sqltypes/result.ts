import type { Field } from './field.js';

/**
 * A column value in MySQL's text form: numbers, decimals, dates and times as the text MySQL prints; text
 * strings as JS strings; binary strings/blobs as Buffers; NULL as null. Both protocol encoders (text and
 * binary) start from this form.
 */
export type SqlValue = string | Buffer | null;
export type Row = readonly SqlValue[];

/** Starts a result set. Rows follow in zero or more `rows` events. */
export interface FieldsEvent {
  readonly kind: 'fields';
  readonly fields: readonly Field[];
}

/** A batch of rows of the current result set; each row has one value per field. */
export interface RowsEvent {
  readonly kind: 'rows';
  readonly rows: readonly Row[];
}

/**
 * Ends one result: a result set (after `fields`/`rows`) or a row-less statement (DML, SET, ...). Several results
 * in one stream are consecutive results of a multi-statement query or CALL.
 */
export interface OkEvent {
  readonly kind: 'ok';
  readonly affectedRows?: number | bigint;
  readonly insertId?: number | bigint;
  readonly warnings?: number;
  readonly info?: string;
  /** Extra SERVER_STATUS bits OR-ed into the packet (e.g. NO_INDEX_USED); IN_TRANS/AUTOCOMMIT come from the session. */
  readonly statusFlags?: number;
}

/** What a query streams back: `fields rows* ok` or `ok`, repeated once per result. */
export type ResultEvent = FieldsEvent | RowsEvent | OkEvent;

/** A whole result held in memory, for handlers and callers that do not stream. */
export interface QueryResult {
  readonly fields: readonly Field[];
  readonly rows: readonly Row[];
  readonly affectedRows: number | bigint;
  readonly insertId: number | bigint;
  readonly warnings: number;
  readonly info?: string;
}

/** A result with the given parts; missing counters are 0, no fields means a row-less (OK) result. */
export function queryResult(parts: Partial<QueryResult> = {}): QueryResult {
  return {
    fields: parts.fields ?? [],
    rows: parts.rows ?? [],
    affectedRows: parts.affectedRows ?? 0,
    insertId: parts.insertId ?? 0,
    warnings: parts.warnings ?? 0,
    ...(parts.info === undefined ? {} : { info: parts.info }),
  };
}

/**
 * The events of one materialized result: `fields rows ok` when it has fields, else just `ok`. An array, not a
 * generator: the gate hands this to the protocol writer for every routed query, and a generator costs a resume
 * per event.
 */
export function resultEvents(r: QueryResult): readonly ResultEvent[] {
  const ok: OkEvent = {
    kind: 'ok',
    affectedRows: r.affectedRows,
    insertId: r.insertId,
    warnings: r.warnings,
    ...(r.info === undefined ? {} : { info: r.info }),
  };
  if (r.fields.length === 0) return [ok];
  const fields: FieldsEvent = { kind: 'fields', fields: r.fields };
  return r.rows.length > 0 ? [fields, { kind: 'rows', rows: r.rows }, ok] : [fields, ok];
}

/**
 * Collects a stream into materialized results (one per `ok`). A stream that ends after fields/rows without an
 * `ok` still yields its last result.
 */
export async function collectResults(
  events: AsyncIterable<ResultEvent> | Iterable<ResultEvent>,
): Promise<QueryResult[]> {
  const out: QueryResult[] = [];
  let fields: readonly Field[] = [];
  let rows: Row[] = [];
  let open = false;
  for await (const ev of events) {
    if (ev.kind === 'fields') {
      fields = ev.fields;
      rows = [];
      open = true;
    } else if (ev.kind === 'rows') {
      for (const r of ev.rows) rows.push(r);
    } else {
      out.push(
        queryResult({
          fields,
          rows,
          affectedRows: ev.affectedRows ?? 0,
          insertId: ev.insertId ?? 0,
          warnings: ev.warnings ?? 0,
          ...(ev.info === undefined ? {} : { info: ev.info }),
        }),
      );
      fields = [];
      rows = [];
      open = false;
    }
  }
  if (open) out.push(queryResult({ fields, rows }));
  return out;
}
