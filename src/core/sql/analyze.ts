import { analyzeDdl } from './analyze-ddl.js';
import { insert, select, updateDelete, withStatement } from './analyze-dml.js';
import { parseSetAssignments } from './analyze-set.js';
import { analyzeShow } from './analyze-show.js';
import { directivesOf, type Directives } from './directives.js';
import { tokenize } from './sql-lexer.js';
import type { LockTablesInfo, StatementInfo, TableName } from './statement-info.js';
import { syntaxErrorAt } from './syntax-error.js';
import { TokenCursor } from './token-cursor.js';
import { isComment, isOp, type Token } from './token.js';

/**
 * Classifies ONE statement and extracts what the gate and tablet need without building an AST (see
 * StatementInfo). `tokens` may be passed when the caller already lexed `sql`. A trailing `;` is allowed; a
 * second statement is a 1064 error (split multi-statement input with splitStatements first). Forms the
 * analyzer cannot break down come back as the nearest kind or `other`; malformed versions of forms it does
 * know (`SAVEPOINT` with no name, `SET x` with no value, `USE` with no target) throw VtError 1064.
 */
export function analyze(sql: string, tokens?: readonly Token[]): StatementInfo {
  const all = tokens ?? tokenize(sql);
  const directives = directivesOf(all);
  const sig = all.filter((t) => !isComment(t));
  const c = new TokenCursor(sql, sig);
  while (c.acceptOp(';')) {
    /* leading empty statements */
  }
  if (c.done()) return { kind: 'comment_only', directives };
  let end = c.endIndex();
  if (isCompound(sig, c.i)) {
    end = sig.length;
    while (end > c.i && isOp(sig[end - 1], ';')) end--;
  }
  for (let k = end; k < sig.length; k++) if (!isOp(sig[k], ';')) throw syntaxErrorAt(sql, sig[k]!.start);
  return analyzeAt(c, end, directives);
}

const ROUTINES = new Set(['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT']);

/** CREATE PROCEDURE/FUNCTION/TRIGGER/EVENT and BEGIN NOT ATOMIC hold `;` inside their body: one statement. */
function isCompound(sig: readonly Token[], i: number): boolean {
  const first = sig[i]!;
  if (first.kind !== 'keyword') return false;
  if (first.value === 'BEGIN') return sig[i + 1]?.value === 'NOT' && sig[i + 2]?.value === 'ATOMIC';
  if (first.value !== 'CREATE') return false;
  for (let k = i + 1; k < Math.min(sig.length, i + 16); k++) {
    const t = sig[k]!;
    if (t.kind === 'keyword' && ROUTINES.has(t.value)) return true;
    if (t.kind === 'op' && t.value === '(') return false;
  }
  return false;
}

function analyzeAt(c: TokenCursor, end: number, directives: Directives): StatementInfo {
  const first = c.peek()!;
  if (isOp(first, '(')) return select(c, c.i, end, directives, []);
  const word = first.kind === 'keyword' ? first.value : first.kind === 'ident' ? first.value.toUpperCase() : '';
  switch (word) {
    case 'SELECT':
      return select(c, c.i, end, directives, []);
    case 'WITH':
      return withStatement(c, end, directives);
    case 'INSERT':
    case 'REPLACE':
      return insert(c, end, directives);
    case 'UPDATE':
    case 'DELETE':
      return updateDelete(c, c.i, end, directives, []);
    case 'CREATE':
    case 'ALTER':
    case 'DROP':
    case 'RENAME':
    case 'TRUNCATE':
      return analyzeDdl(c, directives);
    case 'SET':
      c.next();
      if (c.isKw('PASSWORD') || c.isKw('ROLE') || c.isKw('DEFAULT') || c.isKw('STATEMENT'))
        return { kind: 'other', keyword: 'SET', directives };
      return { kind: 'set', assignments: parseSetAssignments(c), directives };
    case 'USE':
      return use(c, end, directives);
    case 'SHOW':
      c.next();
      return analyzeShow(c, directives);
    case 'DESCRIBE':
    case 'DESC':
    case 'EXPLAIN':
    case 'VEXPLAIN':
      return explain(c, end, directives);
    case 'BEGIN':
      c.next();
      if (c.isKw('NOT')) return { kind: 'other', keyword: 'BEGIN', directives }; // MariaDB BEGIN NOT ATOMIC block
      c.acceptKw('WORK');
      return expectEnd(c, { kind: 'begin', consistentSnapshot: false, directives });
    case 'START':
      c.next();
      if (!c.acceptKw('TRANSACTION')) return { kind: 'other', keyword: 'START', directives };
      return startTransaction(c, directives);
    case 'COMMIT':
      c.next();
      c.acceptKw('WORK');
      return { kind: 'commit', directives };
    case 'ROLLBACK':
      c.next();
      c.acceptKw('WORK');
      if (c.acceptKw('TO')) {
        c.acceptKw('SAVEPOINT');
        return expectEnd(c, { kind: 'rollback_to_savepoint', name: c.name(), directives });
      }
      return { kind: 'rollback', directives };
    case 'SAVEPOINT':
      c.next();
      return expectEnd(c, { kind: 'savepoint', name: c.name(), directives });
    case 'RELEASE':
      c.next();
      if (!c.acceptKw('SAVEPOINT')) throw c.error();
      return expectEnd(c, { kind: 'release_savepoint', name: c.name(), directives });
    case 'CALL':
      c.next();
      return { kind: 'call', procedure: c.tableName(), directives };
    case 'LOAD':
      return load(c, end, directives);
    case 'LOCK':
      c.next();
      if (!c.acceptKw('TABLES') && !c.acceptKw('TABLE')) return { kind: 'other', keyword: 'LOCK', directives };
      return lockTables(c, directives);
    case 'UNLOCK':
      c.next();
      if (!c.acceptKw('TABLES') && !c.acceptKw('TABLE')) throw c.error();
      return expectEnd(c, { kind: 'unlock_tables', directives });
    case 'FLUSH':
      c.next();
      return { kind: 'flush', rest: c.text(c.i, end), directives };
    case 'STREAM': {
      const from = c.toks.findIndex((t, k) => k < end && t.kind === 'keyword' && t.value === 'FROM');
      if (from < 0) return { kind: 'stream', directives };
      c.i = from + 1;
      return { kind: 'stream', table: c.tableName(), directives };
    }
    default:
      return {
        kind: 'other',
        keyword: first.kind === 'quoted_ident' ? first.value : c.text(c.i, c.i + 1).toUpperCase(),
        directives,
      };
  }
}

function expectEnd<T extends StatementInfo>(c: TokenCursor, info: T): T {
  if (!c.done()) throw c.error();
  return info;
}

/** `USE ks`, `USE ks:-80@replica`, `` USE `ks:-80` ``: the target is the raw text of the statement's tokens. */
function use(c: TokenCursor, end: number, directives: Directives): StatementInfo {
  c.next();
  if (c.i >= end) throw c.error();
  const only = c.peek()!;
  const target = end - c.i === 1 && only.kind === 'quoted_ident' ? only.value : c.text(c.i, end);
  return { kind: 'use', target, directives };
}

function explain(c: TokenCursor, end: number, directives: Directives): StatementInfo {
  const word = c.next()!.value.toUpperCase();
  let format: string | undefined;
  let vexplain: 'plan' | 'queries' | 'all' | 'trace' | 'keys' | undefined;
  let analyzeFlag = false;
  if (word === 'VEXPLAIN') {
    const v = c.peek();
    const mode = v !== undefined && (v.kind === 'ident' || v.kind === 'keyword') ? v.value.toLowerCase() : '';
    vexplain = mode === 'queries' || mode === 'all' || mode === 'trace' || mode === 'keys' ? mode : 'plan';
    if (mode === vexplain) c.next();
    format = 'vitess';
  } else {
    const t = c.peek();
    if (t !== undefined && (t.kind === 'ident' || t.kind === 'quoted_ident') && !c.isOp('(', 1)) {
      // DESCRIBE t / EXPLAIN t: the column list, as SHOW COLUMNS FROM t.
      const table = c.tableName();
      return { kind: 'show', show: 'columns', full: false, table, directives };
    }
    analyzeFlag = c.acceptKw('ANALYZE');
    c.acceptKw('EXTENDED');
    c.acceptKw('PARTITIONS');
    if (c.acceptKw('FORMAT')) {
      if (!c.acceptOp('=')) throw c.error();
      format = c.name().toLowerCase();
    }
  }
  if (c.i >= end) throw c.error();
  const statementStart = c.peek()!.start;
  const statement = analyzeAt(c, end, directives);
  return {
    kind: 'explain',
    ...(format !== undefined ? { format } : {}),
    analyze: analyzeFlag,
    ...(vexplain !== undefined ? { vexplain } : {}),
    statementStart,
    statement,
    directives,
  };
}

function startTransaction(c: TokenCursor, directives: Directives): StatementInfo {
  let readOnly: boolean | undefined;
  let consistentSnapshot = false;
  if (!c.done()) {
    do {
      if (c.acceptKw('READ', 'ONLY')) readOnly = true;
      else if (c.acceptKw('READ', 'WRITE')) readOnly = false;
      else if (c.acceptKw('WITH', 'CONSISTENT', 'SNAPSHOT')) consistentSnapshot = true;
      else throw c.error();
    } while (c.acceptOp(','));
  }
  return expectEnd(c, {
    kind: 'begin',
    ...(readOnly !== undefined ? { readOnly } : {}),
    consistentSnapshot,
    directives,
  });
}

function load(c: TokenCursor, end: number, directives: Directives): StatementInfo {
  c.next();
  let local = false;
  let table: TableName | undefined;
  for (; c.i < end; c.next()) {
    if (c.isKw('LOCAL')) local = true;
    if (c.isKw('INTO') && c.isKw('TABLE', 1)) {
      c.i += 2;
      table = c.tableName();
      break;
    }
  }
  return { kind: 'load', local, ...(table !== undefined ? { table } : {}), directives };
}

function lockTables(c: TokenCursor, directives: Directives): LockTablesInfo {
  const tables: { table: TableName; alias?: string; lock: 'read' | 'write' }[] = [];
  do {
    const table = c.tableName();
    let alias: string | undefined;
    if (c.acceptKw('AS')) alias = c.name();
    else if (c.peek()?.kind === 'ident' || c.peek()?.kind === 'quoted_ident') alias = c.name();
    let lock: 'read' | 'write';
    if (c.acceptKw('READ')) {
      c.acceptKw('LOCAL');
      lock = 'read';
    } else {
      c.acceptKw('LOW_PRIORITY');
      if (!c.acceptKw('WRITE')) throw c.error();
      c.acceptKw('CONCURRENT'); // MariaDB WRITE CONCURRENT
      lock = 'write';
    }
    tables.push({ table, ...(alias !== undefined ? { alias } : {}), lock });
  } while (c.acceptOp(','));
  return expectEnd(c, { kind: 'lock_tables', tables, directives });
}
