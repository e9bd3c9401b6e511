import { Err } from '../errors/index.js';
import { Lexer } from './sql-lexer.js';

/**
 * Typed bind variables, as the gate extracts them from literals (normalizer) or receives them from
 * COM_STMT_EXECUTE, and as the tablet substitutes them back into SQL for MySQL.
 *
 * Value encodings (all lossless):
 * - int / uint / float / decimal: the decimal text (`-12`, `18446744073709551615`, `1.5e3`, `1.50`).
 * - string: text (a JS string; the wire layer encodes it in the connection charset).
 * - bytes: binary data; rendered as X'..' so no byte sequence can be mangled by charset conversion.
 * - hexnum (`0x1F`), hexval (`X'1F'`), bitnum (`0b101`), bitval (`b'101'`): the digits only; rendered back in
 *   the same notation so MySQL gives them the same hybrid string/number semantics.
 * - null: no value.
 * - tuple: the values of a list bind variable (`IN ::vals`); rendered as `(v1, v2, ...)`.
 */
export type ScalarBindVar =
  | { readonly type: 'null' }
  | { readonly type: 'int' | 'uint' | 'float' | 'decimal'; readonly value: string }
  | { readonly type: 'string'; readonly value: string }
  | { readonly type: 'bytes'; readonly value: Buffer }
  | { readonly type: 'hexnum' | 'hexval' | 'bitnum' | 'bitval'; readonly value: string };

export type BindVar = ScalarBindVar | { readonly type: 'tuple'; readonly values: readonly ScalarBindVar[] };

export type BindVarType = BindVar['type'];

/** Bind variables by name (without the leading `:`). */
export type BindVars = Readonly<Record<string, BindVar>>;

export const bindVar = {
  null: (): ScalarBindVar => ({ type: 'null' }),
  int: (v: number | bigint | string): ScalarBindVar => ({ type: 'int', value: String(v) }),
  uint: (v: number | bigint | string): ScalarBindVar => ({ type: 'uint', value: String(v) }),
  float: (v: number | string): ScalarBindVar => ({ type: 'float', value: String(v) }),
  decimal: (v: string): ScalarBindVar => ({ type: 'decimal', value: v }),
  string: (v: string): ScalarBindVar => ({ type: 'string', value: v }),
  bytes: (v: Buffer): ScalarBindVar => ({ type: 'bytes', value: v }),
  tuple: (values: readonly ScalarBindVar[]): BindVar => ({ type: 'tuple', values }),
} as const;

const INT_RE = /^[-+]?\d+$/;
const DECIMAL_RE = /^[-+]?(\d+\.?\d*|\.\d+)$/;
const FLOAT_RE = /^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/;
const HEX_RE = /^[0-9a-fA-F]*$/;
const BIT_RE = /^[01]*$/;
const HEXNUM_RE = /^[0-9a-fA-F]+$/;
const BITNUM_RE = /^[01]+$/;

/**
 * SQL text for one bind variable, safe to splice into a statement sent to MariaDB/MySQL running with
 * NO_BACKSLASH_ESCAPES off (the default). Strings use mysql_real_escape_string's escapes inside single quotes.
 * Throws VtError INVALID_ARGUMENT when a numeric/hex/bit value is not valid text of its type (so a malformed
 * bind value can never inject SQL).
 */
export function encodeSqlLiteral(bv: BindVar): string {
  switch (bv.type) {
    case 'null':
      return 'null';
    case 'int':
    case 'uint':
      return checked(bv.value, INT_RE, bv.type);
    case 'decimal':
      return checked(bv.value, DECIMAL_RE, bv.type);
    case 'float':
      return checked(bv.value, FLOAT_RE, bv.type);
    case 'string':
      return quoteString(bv.value);
    case 'bytes':
      return `X'${bv.value.toString('hex')}'`;
    case 'hexnum':
      return `0x${checked(bv.value, HEXNUM_RE, bv.type)}`;
    case 'hexval':
      if (bv.value.length % 2 !== 0) throw badValue(bv.type, bv.value);
      return `X'${checked(bv.value, HEX_RE, bv.type)}'`;
    case 'bitnum':
      return `0b${checked(bv.value, BITNUM_RE, bv.type)}`;
    case 'bitval':
      return `b'${checked(bv.value, BIT_RE, bv.type)}'`;
    case 'tuple':
      if (bv.values.length === 0) throw Err.invalidArgument('empty list supplied for tuple bind variable');
      return `(${bv.values.map(encodeSqlLiteral).join(', ')})`;
  }
}

function checked(v: string, re: RegExp, type: string): string {
  if (typeof v !== 'string' || !re.test(v)) throw badValue(type, v);
  return v;
}

function badValue(type: string, v: unknown): Error {
  return Err.invalidArgument(`invalid ${type} bind variable value: ${JSON.stringify(String(v)).slice(0, 60)}`);
}

const NEEDS_ESCAPE = /[\0\n\r\x1a'"\\]/;
const ESCAPE_ALL = /[\0\n\r\x1a'"\\]/g;
const ESCAPES: Readonly<Record<string, string>> = {
  '\0': '\\0',
  '\n': '\\n',
  '\r': '\\r',
  '\x1a': '\\Z',
  "'": "\\'",
  '"': '\\"',
  '\\': '\\\\',
};

/** `'text'` with the characters mysql_real_escape_string escapes (NUL, \n, \r, ^Z, quotes, backslash). */
export function quoteString(v: string): string {
  if (!NEEDS_ESCAPE.test(v)) return `'${v}'`;
  return `'${v.replace(ESCAPE_ALL, (c) => ESCAPES[c]!)}'`;
}

/**
 * Replaces every `:name` / `::name` bind-variable token of `sql` with its encoded value (`::name` and tuple
 * values become `(v1, v2, ...)`), leaving all other text, including strings and comments that merely contain
 * `:name`, byte-identical. Throws VtError INVALID_ARGUMENT for a bind variable missing from `bindVars`, a `::list`
 * whose value is not a tuple, or a malformed value; 1064 when `sql` does not lex.
 */
export function substituteBindVars(sql: string, bindVars: BindVars): string {
  if (sql.indexOf(':') < 0) return sql;
  const lx = new Lexer(sql);
  let out = '';
  let last = 0;
  for (let t = lx.next(); t !== undefined; t = lx.next()) {
    if (t.kind !== 'bindvar' && t.kind !== 'list_bindvar') continue;
    const bv = Object.hasOwn(bindVars, t.value) ? bindVars[t.value] : undefined;
    if (bv === undefined) throw Err.invalidArgument(`missing bind var ${t.value}`);
    if (t.kind === 'list_bindvar' && bv.type !== 'tuple') {
      throw Err.invalidArgument(`bind variable ${t.value} is used as a list (::${t.value}) but is not a tuple`);
    }
    out += sql.slice(last, t.start) + encodeSqlLiteral(bv);
    last = t.end;
  }
  return last === 0 ? sql : out + sql.slice(last);
}
