import { Err } from '../errors/index.js';
import { vindexTypeInfo } from '../vindexes/vindex-registry.js';
import { parseJsonText } from './parse-json.js';
import type { KeyspaceVSchema, TableDef } from './vschema.js';
import { columnVindexColumns, readKeyspaceVSchema } from './vschema-shape.js';

export interface VSchemaCheckOptions {
  /** The keyspace this VSchema belongs to (resolves `ks.seq` sequences that name it). */
  readonly keyspace: string;
  /**
   * The other keyspaces' VSchemas, for auto_increment sequences that live elsewhere (commonly an unsharded
   * keyspace). When omitted, sequences not found in this keyspace are not reported.
   */
  readonly otherKeyspaces?: Readonly<Record<string, KeyspaceVSchema>>;
}

export interface VSchemaCheck {
  readonly vschema: KeyspaceVSchema;
  /** Problems that make the VSchema unusable; each names the offending key. */
  readonly errors: readonly string[];
  /** Accepted but suspicious (unknown vindex params). */
  readonly warnings: readonly string[];
}

/**
 * Validates one keyspace's VSchema (structure, then Vitess's rules): known vindex types with their required
 * params; in sharded keyspaces every table except reference/sequence/pinned ones has column vindexes whose
 * first (primary) vindex is unique and not owned; unsharded keyspaces have no column vindexes; every column
 * vindex names a defined vindex; vindex owners are tables of the keyspace; auto_increment sequences exist
 * and are sequence tables. Never throws for bad input: everything is reported in `errors`.
 */
export function checkKeyspaceVSchema(input: unknown, opts: VSchemaCheckOptions): VSchemaCheck {
  const errors: string[] = [];
  const warnings: string[] = [];
  const vs = readKeyspaceVSchema(input, errors);
  if (errors.length > 0) return { vschema: vs, errors, warnings };

  const vindexes = vs.vindexes ?? {};
  const tables = vs.tables ?? {};
  for (const [name, v] of Object.entries(vindexes)) {
    const at = `vindex "${name}"`;
    const info = vindexTypeInfo(v.type);
    if (info === undefined) {
      errors.push(`${at}: unknown vindex type "${v.type}"`);
      continue;
    }
    const params = v.params ?? {};
    for (const p of info.required) {
      if (params[p] === undefined) errors.push(`${at}: type "${v.type}" requires param "${p}"`);
    }
    for (const group of info.requiredOneOf) {
      if (!group.some((p) => params[p] !== undefined)) {
        errors.push(`${at}: type "${v.type}" requires one of params ${group.map((p) => `"${p}"`).join(', ')}`);
      }
    }
    const known = new Set([...info.required, ...info.requiredOneOf.flat(), ...info.optional]);
    for (const p of Object.keys(params)) {
      if (!known.has(p)) warnings.push(`${at}: unknown param "${p}" for type "${v.type}"`);
    }
    if (v.owner !== undefined && v.owner !== '') {
      if (!info.lookup) errors.push(`${at}: type "${v.type}" cannot have an owner (only lookup vindexes can)`);
      else if (tables[v.owner] === undefined) errors.push(`${at}: owner table "${v.owner}" is not in the vschema`);
    }
  }

  for (const [name, t] of Object.entries(tables)) {
    checkTable(name, t ?? {}, vs, opts, errors);
  }
  return { vschema: vs, errors, warnings };
}

function checkTable(name: string, t: TableDef, vs: KeyspaceVSchema, opts: VSchemaCheckOptions, errors: string[]): void {
  const at = `table "${name}"`;
  const cvs = t.column_vindexes ?? [];
  const type = t.type ?? '';
  if (!vs.sharded && cvs.length > 0) {
    errors.push(`${at}: column_vindexes are not allowed in an unsharded keyspace`);
  }
  if (type === 'reference' && cvs.length > 0) errors.push(`${at}: a reference table cannot have column_vindexes`);
  if (type === 'sequence' && cvs.length > 0) errors.push(`${at}: a sequence table cannot have column_vindexes`);
  if (vs.sharded && type === 'sequence' && t.pinned === undefined) {
    errors.push(`${at}: sequence tables must be in an unsharded keyspace (or pinned)`);
  }
  if (t.pinned !== undefined && !/^(?:[0-9a-fA-F]{2})+$/.test(t.pinned)) {
    errors.push(`${at}: pinned "${t.pinned}" is not a hex keyspace id`);
  }
  if (t.source !== undefined && !/^[^.]+\.[^.]+$/.test(t.source)) {
    errors.push(`${at}: source "${t.source}" must be a qualified table name (ks.table)`);
  }
  if (vs.sharded && type === '' && t.pinned === undefined && cvs.length === 0) {
    errors.push(`${at}: missing primary vindex (tables of a sharded keyspace need column_vindexes)`);
  }
  cvs.forEach((cv, i) => {
    const v = vs.vindexes?.[cv.name];
    if (v === undefined) return void errors.push(`${at}: column_vindexes[${i}]: unknown vindex "${cv.name}"`);
    const info = vindexTypeInfo(v.type);
    if (i === 0 && info !== undefined && vs.sharded) {
      if (!info.unique) {
        errors.push(`${at}: primary vindex "${cv.name}" (type ${v.type}) is not unique`);
      }
      if (v.owner === name) errors.push(`${at}: primary vindex "${cv.name}" cannot be owned by the table`);
    }
    if (columnVindexColumns(cv).length === 0) errors.push(`${at}: column_vindexes[${i}]: no column`);
  });
  if (t.auto_increment) checkSequence(at, t.auto_increment.sequence, vs, opts, errors);
}

function checkSequence(
  at: string,
  seq: string,
  vs: KeyspaceVSchema,
  opts: VSchemaCheckOptions,
  errors: string[],
): void {
  const all: Record<string, KeyspaceVSchema> = { ...opts.otherKeyspaces, [opts.keyspace]: vs };
  const dot = seq.indexOf('.');
  // Unqualified names are looked up in this keyspace first, then in the others (as Vitess's global lookup).
  const places =
    dot >= 0
      ? [[seq.slice(0, dot), seq.slice(dot + 1)] as const]
      : [opts.keyspace, ...Object.keys(all).filter((k) => k !== opts.keyspace)].map((ks) => [ks, seq] as const);
  for (const [ks, table] of places) {
    const t = all[ks]?.tables?.[table];
    if (t === undefined) continue;
    if ((t?.type ?? '') !== 'sequence')
      errors.push(`${at}: auto_increment: table "${ks}.${table}" is not a sequence table`);
    return;
  }
  // Without the other keyspaces' VSchemas a sequence elsewhere cannot be ruled out.
  const checkable = opts.otherKeyspaces !== undefined || (dot >= 0 && seq.slice(0, dot) === opts.keyspace);
  if (checkable) errors.push(`${at}: auto_increment: sequence "${seq}" not found`);
}

/**
 * Parses and validates VSchema JSON text. Throws INVALID_ARGUMENT `vschema: <problem>; <problem>...` (JSON
 * syntax errors with line and column); returns the VSchema and any warnings otherwise.
 */
export function parseKeyspaceVSchema(
  text: string,
  opts: VSchemaCheckOptions,
): { vschema: KeyspaceVSchema; warnings: readonly string[] } {
  const check = checkKeyspaceVSchema(parseJsonText(text, 'vschema'), opts);
  if (check.errors.length > 0) throw Err.invalidArgument(`vschema: ${check.errors.join('; ')}`);
  return { vschema: check.vschema, warnings: check.warnings };
}
