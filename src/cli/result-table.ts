import type { QueryResult, SqlValue } from '../core/sqltypes/index.js';

/** A query result as plain JSON: column names and types, rows as strings (binary as base64), counters as strings when 64-bit. */
export function resultJson(r: QueryResult): Record<string, unknown> {
  const num = (v: number | bigint): number | string => (typeof v === 'bigint' ? v.toString() : v);
  return {
    fields: r.fields.map((f) => ({ name: f.name, type: f.type })),
    rows: r.rows.map((row) => row.map(textValue)),
    rowsAffected: num(r.affectedRows),
    insertId: num(r.insertId),
  };
}

function textValue(v: SqlValue): string | null {
  if (v === null) return null;
  return Buffer.isBuffer(v) ? v.toString('utf8') : v;
}

/**
 * The mysql client's table layout (+---+ borders, NULL for null), or "N rows affected" for a row-less result.
 */
export function renderResultTable(r: QueryResult): string {
  if (r.fields.length === 0) return `Query OK, ${String(r.affectedRows)} rows affected`;
  const header = r.fields.map((f) => f.name);
  const rows = r.rows.map((row) => row.map((v) => textValue(v) ?? 'NULL'));
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => (row[i] ?? '').length)));
  const line = `+${widths.map((w) => '-'.repeat(w + 2)).join('+')}+`;
  const fmt = (cells: readonly string[]): string => `| ${cells.map((c, i) => c.padEnd(widths[i]!)).join(' | ')} |`;
  const out = [line, fmt(header), line, ...rows.map(fmt)];
  if (rows.length > 0) out.push(line);
  out.push(`${rows.length} row${rows.length === 1 ? '' : 's'} in set`);
  return out.join('\n');
}

/** The result with a toJSON that gives resultJson, so CtlCommand's --json output is plain JSON. */
export function jsonableResult(r: QueryResult): QueryResult {
  return Object.assign({ ...r }, { toJSON: () => resultJson(r) });
}
