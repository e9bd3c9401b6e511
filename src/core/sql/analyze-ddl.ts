import type { Directives } from './directives.js';
import type { DdlAction, DdlInfo, DdlObject, StatementInfo, TableName } from './statement-info.js';
import type { TokenCursor } from './token-cursor.js';

const OBJECTS: ReadonlyMap<string, DdlObject | 'account'> = new Map([
  ['TABLE', 'table'],
  ['VIEW', 'view'],
  ['INDEX', 'index'],
  ['DATABASE', 'database'],
  ['SCHEMA', 'database'],
  ['PROCEDURE', 'procedure'],
  ['FUNCTION', 'function'],
  ['TRIGGER', 'trigger'],
  ['EVENT', 'event'],
  ['SEQUENCE', 'sequence'],
  ['TABLESPACE', 'other'],
  ['SERVER', 'other'],
  ['USER', 'account'],
  ['ROLE', 'account'],
]);

// Modifiers before the object word are skipped, but only this far: `CREATE DEFINER=`u`@`h` SQL SECURITY INVOKER VIEW`.
const MAX_MODIFIER_TOKENS = 16;

/**
 * CREATE / ALTER / DROP / RENAME / TRUNCATE (cursor on the action word). Account management (CREATE USER,
 * DROP ROLE...) is not DDL: it returns kind `other`. Throws 1064 when an expected name is missing.
 */
export function analyzeDdl(c: TokenCursor, directives: Directives): StatementInfo {
  const actionTok = c.next()!;
  const action = actionTok.value.toLowerCase() as DdlAction;
  let temporary = false;
  let object: DdlObject | 'account' | undefined;
  const end = c.endIndex();
  if (action === 'truncate') {
    c.acceptKw('TABLE');
    object = 'table';
  } else {
    for (let k = 0; k < MAX_MODIFIER_TOKENS && c.i < end; k++) {
      const t = c.next()!;
      if (t.kind !== 'keyword') continue;
      if (t.value === 'TEMPORARY') temporary = true;
      object = OBJECTS.get(t.value);
      if (object !== undefined) break;
    }
  }
  if (object === 'account') return { kind: 'other', keyword: actionTok.value, directives };
  const tables: TableName[] = [];
  const info = (ifExists = false, ifNotExists = false): DdlInfo =>
    ({
      kind: 'ddl',
      action,
      object: object ?? 'other',
      tables,
      ifExists,
      ifNotExists,
      temporary,
      directives,
    }) as DdlInfo;
  if (object === undefined || object === 'other') return info();
  const ifNotExists = c.acceptKw('IF', 'NOT', 'EXISTS');
  const ifExists = !ifNotExists && c.acceptKw('IF', 'EXISTS');

  if (object === 'index') {
    c.name(); // the index name; the table follows ON
    while (c.i < end && !c.isKw('ON')) c.next();
    if (c.acceptKw('ON')) tables.push(c.tableName());
    else if (action !== 'alter') throw c.error();
  } else if (object === 'database') {
    if (!c.done()) tables.push({ name: c.name() });
  } else if (action === 'rename') {
    do {
      tables.push(c.tableName());
      if (!c.acceptKw('TO')) throw c.error();
      tables.push(c.tableName());
    } while (c.acceptOp(','));
  } else {
    tables.push(c.tableName());
    if (action === 'drop') while (c.acceptOp(',')) tables.push(c.tableName());
  }
  return info(ifExists, ifNotExists);
}
