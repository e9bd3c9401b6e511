import {
  FOREIGN_KEY_MODES,
  TABLE_TYPES,
  type ColumnVindex,
  type KeyspaceVSchema,
  type TableDef,
  type VindexDef,
} from './vschema.js';

/**
 * Structural decoding of a keyspace VSchema from parsed JSON: checks the type of every field vt knows and
 * appends one message per problem to `errors`, naming the offending key (`table "customer":
 * column_vindexes[0]: "name" must be a string`). Unknown fields are kept as they are. The result is only
 * meaningful when no error was added.
 */
export function readKeyspaceVSchema(input: unknown, errors: string[]): KeyspaceVSchema {
  if (!isObj(input)) {
    errors.push('expected a JSON object');
    return {};
  }
  const out: Record<string, unknown> = { ...input };
  optType(input, 'sharded', 'boolean', '', errors);
  optType(input, 'require_explicit_routing', 'boolean', '', errors);
  if (input['foreign_key_mode'] !== undefined && !FOREIGN_KEY_MODES.includes(input['foreign_key_mode'] as never)) {
    errors.push(`"foreign_key_mode" must be one of ${FOREIGN_KEY_MODES.join(', ')}`);
  }
  const vindexes = mapOf(input, 'vindexes', '', errors);
  if (vindexes) {
    const vs: Record<string, VindexDef> = {};
    for (const [name, v] of Object.entries(vindexes)) vs[name] = readVindex(v, `vindex "${name}": `, errors);
    out['vindexes'] = vs;
  }
  const tables = mapOf(input, 'tables', '', errors);
  if (tables) {
    const ts: Record<string, TableDef> = {};
    for (const [name, t] of Object.entries(tables)) ts[name] = readTable(t, `table "${name}": `, errors);
    out['tables'] = ts;
  }
  return out as KeyspaceVSchema;
}

function readVindex(v: unknown, at: string, errors: string[]): VindexDef {
  if (!isObj(v)) {
    errors.push(`${at}expected an object`);
    return { type: '' };
  }
  if (typeof v['type'] !== 'string' || v['type'] === '') errors.push(`${at}"type" must be a non-empty string`);
  optType(v, 'owner', 'string', at, errors);
  const params = mapOf(v, 'params', at, errors);
  for (const [k, p] of Object.entries(params ?? {})) {
    if (typeof p !== 'string') errors.push(`${at}param "${k}" must be a string`);
  }
  return v as unknown as VindexDef;
}

function readTable(t: unknown, at: string, errors: string[]): TableDef {
  if (t === null) return {};
  if (!isObj(t)) {
    errors.push(`${at}expected an object`);
    return {};
  }
  if (t['type'] !== undefined && !TABLE_TYPES.includes(t['type'] as never)) {
    errors.push(`${at}"type" must be "sequence", "reference" or empty, got ${JSON.stringify(t['type'])}`);
  }
  optType(t, 'column_list_authoritative', 'boolean', at, errors);
  optType(t, 'pinned', 'string', at, errors);
  optType(t, 'source', 'string', at, errors);
  const cvs = arrayOf(t, 'column_vindexes', at, errors);
  cvs?.forEach((cv, i) => readColumnVindex(cv, `${at}column_vindexes[${i}]: `, errors));
  const cols = arrayOf(t, 'columns', at, errors);
  cols?.forEach((c, i) => {
    if (!isObj(c) || typeof c['name'] !== 'string' || c['name'] === '') {
      errors.push(`${at}columns[${i}]: expected an object with a non-empty "name"`);
    }
  });
  const ai = t['auto_increment'];
  if (ai !== undefined && ai !== null) {
    if (!isObj(ai)) errors.push(`${at}"auto_increment" must be an object`);
    else {
      if (typeof ai['column'] !== 'string' || ai['column'] === '') {
        errors.push(`${at}auto_increment: "column" must be a non-empty string`);
      }
      if (typeof ai['sequence'] !== 'string' || ai['sequence'] === '') {
        errors.push(`${at}auto_increment: "sequence" must be a non-empty string`);
      }
    }
  }
  return t as TableDef;
}

function readColumnVindex(cv: unknown, at: string, errors: string[]): void {
  if (!isObj(cv)) return void errors.push(`${at}expected an object`);
  if (typeof cv['name'] !== 'string' || cv['name'] === '') errors.push(`${at}"name" must be a non-empty string`);
  const c = cv['column'];
  const cs = cv['columns'];
  const hasColumn = typeof c === 'string' && c !== '';
  const hasColumns = Array.isArray(cs) && cs.length > 0 && cs.every((x) => typeof x === 'string' && x !== '');
  if (c !== undefined && !hasColumn) errors.push(`${at}"column" must be a non-empty string`);
  if (cs !== undefined && !hasColumns) errors.push(`${at}"columns" must be a non-empty array of column names`);
  if (c === undefined && cs === undefined) errors.push(`${at}needs "column" or "columns"`);
  if (hasColumn && hasColumns) errors.push(`${at}set "column" or "columns", not both`);
}

/** The column names of a column vindex ("column" or "columns"). */
export function columnVindexColumns(cv: ColumnVindex): readonly string[] {
  return cv.columns && cv.columns.length > 0 ? cv.columns : cv.column ? [cv.column] : [];
}

export function isObj(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function optType(o: Record<string, unknown>, key: string, type: string, at: string, errors: string[]): void {
  if (o[key] !== undefined && o[key] !== null && typeof o[key] !== type) errors.push(`${at}"${key}" must be a ${type}`);
}

function mapOf(
  o: Record<string, unknown>,
  key: string,
  at: string,
  errors: string[],
): Record<string, unknown> | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!isObj(v)) {
    errors.push(`${at}"${key}" must be an object`);
    return undefined;
  }
  return v;
}

function arrayOf(o: Record<string, unknown>, key: string, at: string, errors: string[]): unknown[] | undefined {
  const v = o[key];
  if (v === undefined || v === null) return undefined;
  if (!Array.isArray(v)) {
    errors.push(`${at}"${key}" must be an array`);
    return undefined;
  }
  return v;
}
