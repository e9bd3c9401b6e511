import { readdir, readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { Err } from '../errors/index.js';
import type { KeyspaceSpec } from './cluster-plan.js';
import { commerceDemoSchema } from './demo/commerce-demo.js';

/** What `vt up` applies to one keyspace: SQL files in order, then an optional VSchema. */
export interface KeyspaceSchema {
  readonly keyspace: string;
  /** `name` is what error messages call the file (its path, or `demo:<file>` for the embedded demo). */
  readonly sqlFiles: readonly { readonly name: string; readonly sql: string }[];
  readonly vschema?: { readonly name: string; readonly json: string };
}

/**
 * Reads `DIR/<keyspace>/*.sql` (in lexical order of file name) and `DIR/<keyspace>/vschema.json` for each
 * keyspace. A keyspace without a directory gets nothing applied. Throws INVALID_ARGUMENT when DIR is not a
 * directory or a file cannot be read; the contents are checked later, by the tablets and the VSchema validator.
 */
export async function loadSchemaDir(dir: string, keyspaces: readonly string[]): Promise<KeyspaceSchema[]> {
  try {
    if (!(await stat(dir)).isDirectory()) throw new Error('not a directory');
  } catch (e) {
    throw Err.invalidArgument(`--schema-dir ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  const out: KeyspaceSchema[] = [];
  for (const keyspace of keyspaces) {
    const ksDir = path.join(dir, keyspace);
    let names: string[];
    try {
      names = (await readdir(ksDir)).sort();
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw Err.invalidArgument(`cannot list ${ksDir}: ${(e as Error).message}`);
    }
    const sqlFiles = [];
    for (const n of names.filter((n) => n.endsWith('.sql'))) {
      const file = path.join(ksDir, n);
      sqlFiles.push({ name: file, sql: await readText(file) });
    }
    const vschemaFile = path.join(ksDir, 'vschema.json');
    const vschema = names.includes('vschema.json')
      ? { name: vschemaFile, json: await readText(vschemaFile) }
      : undefined;
    out.push({ keyspace, sqlFiles, ...(vschema ? { vschema } : {}) });
  }
  return out;
}

async function readText(file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (e) {
    throw Err.invalidArgument(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

/**
 * What a new cluster gets: the given keyspaces with the schema DIR holds for them; with no keyspace given,
 * one unsharded keyspace per subdirectory of DIR, or without DIR the commerce demo. Throws INVALID_ARGUMENT
 * for an unreadable DIR, or a DIR without subdirectories when it alone decides the keyspaces.
 */
export async function resolveKeyspaces(
  keyspaces: readonly KeyspaceSpec[],
  schemaDir: string | undefined,
): Promise<{ keyspaces: readonly KeyspaceSpec[]; schemas: KeyspaceSchema[] }> {
  if (schemaDir === undefined) {
    if (keyspaces.length > 0) return { keyspaces, schemas: [] };
    const demo = commerceDemoSchema();
    return { keyspaces: [{ name: demo.keyspace, shards: ['0'] }], schemas: [demo] };
  }
  if (keyspaces.length > 0) {
    return {
      keyspaces,
      schemas: await loadSchemaDir(
        schemaDir,
        keyspaces.map((k) => k.name),
      ),
    };
  }
  let names: string[];
  try {
    const entries = await readdir(schemaDir, { withFileTypes: true });
    names = entries
      .filter((e) => e.isDirectory())
      .map((e) => e.name)
      .sort();
  } catch (e) {
    throw Err.invalidArgument(
      `--schema-dir ${schemaDir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`,
    );
  }
  if (names.length === 0) {
    throw Err.invalidArgument(`--schema-dir ${schemaDir} has no <keyspace> subdirectory (and no --keyspace was given)`);
  }
  return { keyspaces: names.map((name) => ({ name, shards: ['0'] })), schemas: await loadSchemaDir(schemaDir, names) };
}
