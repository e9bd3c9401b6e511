import { Err } from '../errors/index.js';

/**
 * Bind variables as the tablet receives them. A local definition until src/core/sql's BindVars lands; values map
 * to SQL literals: strings quoted and escaped, Buffers as X'..', bigint/number as digits, booleans as 1/0, arrays
 * as parenthesised lists (for `::list` placeholders in IN clauses).
 */
export type BindValue = string | number | bigint | boolean | null | Buffer | readonly BindValue[];
export type BindVars = Readonly<Record<string, BindValue>>;

/**
 * Replaces `:name` / `::name` placeholders outside quotes and comments with literals. An unknown name fails with
 * INVALID_ARGUMENT (`missing bind var name`, as Vitess). `:=` is left alone.
 */
export function substituteBindVars(sql: string, bindVars: BindVars): string {
  if (sql.indexOf(':') < 0) return sql;
  let out = '';
  let i = 0;
  let last = 0;
  const n = sql.length;
  while (i < n) {
    const c = sql[i]!;
    if (c === "'" || c === '"' || c === '`') {
      i++;
      while (i < n && sql[i] !== c) i += sql[i] === '\\' && c !== '`' ? 2 : 1;
      i++;
    } else if (c === '/' && sql[i + 1] === '*') {
      const e = sql.indexOf('*/', i + 2);
      i = e < 0 ? n : e + 2;
    } else if (c === '#' || (c === '-' && sql[i + 1] === '-')) {
      while (i < n && sql[i] !== '\n') i++;
    } else if (c === ':' && isNameStart(sql[i + 1] === ':' ? sql[i + 2] : sql[i + 1])) {
      const start = i;
      i += sql[i + 1] === ':' ? 2 : 1;
      const nameStart = i;
      while (i < n && isNameChar(sql[i]!)) i++;
      const name = sql.slice(nameStart, i);
      if (!Object.hasOwn(bindVars, name)) throw Err.invalidArgument(`missing bind var ${name}`);
      out += sql.slice(last, start) + sqlLiteral(bindVars[name]!);
      last = i;
    } else {
      i++;
    }
  }
  return last === 0 ? sql : out + sql.slice(last);
}

/** A value as a MySQL literal (for utf8mb4 connections with the default sql_mode). */
export function sqlLiteral(v: BindValue): string {
  if (v === null) return 'null';
  if (typeof v === 'string') return `'${escapeString(v)}'`;
  if (typeof v === 'number') {
    if (!Number.isFinite(v)) throw Err.invalidArgument(`bind value ${v} is not a finite number`);
    return String(v);
  }
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'boolean') return v ? '1' : '0';
  if (Buffer.isBuffer(v)) return `X'${v.toString('hex')}'`;
  if (v.length === 0) throw Err.invalidArgument('empty list bind value');
  return `(${v.map(sqlLiteral).join(', ')})`;
}

function escapeString(s: string): string {
  return s.replace(/[\0\n\r\b\t\x1a'"\\]/g, (ch) => {
    switch (ch) {
      case '\0':
        return '\\0';
      case '\n':
        return '\\n';
      case '\r':
        return '\\r';
      case '\b':
        return '\\b';
      case '\t':
        return '\\t';
      case '\x1a':
        return '\\Z';
      default:
        return `\\${ch}`;
    }
  });
}

function isNameStart(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z_]/.test(c);
}

function isNameChar(c: string): boolean {
  return /[A-Za-z0-9_]/.test(c);
}
