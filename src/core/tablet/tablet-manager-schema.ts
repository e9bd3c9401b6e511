import type { DbaSession } from './dba-connector.js';
import type { ColumnDefinition, SchemaDefinition, TableDefinition } from './query-service.js';
import { quoteString } from './replication.js';

export function quoteIdentifier(name: string): string {
  return `\`${name.replace(/`/g, '``')}\``;
}

const str = (v: unknown): string => (v === null || v === undefined ? '' : String(v));

/**
 * The schema of `dbName` as the tablet manager reports it (Vitess's GetSchema): the CREATE DATABASE statement
 * and, per table or view (sorted by name, optionally only `tables`), its CREATE statement, columns in ordinal
 * order, primary key columns and information_schema size estimates. A missing database gives an empty
 * databaseSchema and no tables rather than an error, as a tablet before its first schema change has none.
 */
export async function readSchema(
  db: DbaSession,
  dbName: string,
  tables?: readonly string[],
): Promise<SchemaDefinition> {
  const dbLit = quoteString(dbName);
  const exists = await db.query(`SELECT 1 FROM information_schema.schemata WHERE schema_name = ${dbLit}`);
  if (exists.length === 0) return { databaseSchema: '', tableDefinitions: [] };
  const createDb = await db.query(`SHOW CREATE DATABASE ${quoteIdentifier(dbName)}`);
  const databaseSchema = str(createDb[0]?.['Create Database']);
  const want = tables && tables.length > 0 ? new Set(tables) : undefined;
  const tableRows = (
    await db.query(
      `SELECT table_name AS name, table_type AS type, table_rows AS row_count, data_length AS data_length ` +
        `FROM information_schema.tables WHERE table_schema = ${dbLit} ORDER BY table_name`,
    )
  ).filter((r) => !want || want.has(str(r['name'])));
  const columnRows = await db.query(
    `SELECT table_name AS t, column_name AS name, column_type AS type, is_nullable AS nullable, column_key AS k, ` +
      `column_default AS d FROM information_schema.columns WHERE table_schema = ${dbLit} ` +
      `ORDER BY table_name, ordinal_position`,
  );
  const columns = new Map<string, ColumnDefinition[]>();
  for (const c of columnRows) {
    const t = str(c['t']);
    let list = columns.get(t);
    if (!list) columns.set(t, (list = []));
    list.push({
      name: str(c['name']),
      type: str(c['type']),
      nullable: str(c['nullable']) === 'YES',
      key: str(c['k']),
      default: c['d'] === null || c['d'] === undefined ? null : String(c['d']),
    });
  }
  const defs: TableDefinition[] = [];
  for (const r of tableRows) {
    const name = str(r['name']);
    const type = str(r['type']);
    const isView = type === 'VIEW';
    const create = await db.query(
      `SHOW CREATE ${isView ? 'VIEW' : 'TABLE'} ${quoteIdentifier(dbName)}.${quoteIdentifier(name)}`,
    );
    const cols = columns.get(name) ?? [];
    defs.push({
      name,
      type,
      schema: str(create[0]?.[isView ? 'Create View' : 'Create Table']),
      columns: cols,
      primaryKeyColumns: cols.filter((c) => c.key === 'PRI').map((c) => c.name),
      rowCount: Number(r['row_count'] ?? 0),
      dataLength: Number(r['data_length'] ?? 0),
    });
  }
  return { databaseSchema, tableDefinitions: defs };
}
