import type { Directives } from './directives.js';
import type { ShowInfo, ShowKind, TableName } from './statement-info.js';
import type { TokenCursor } from './token-cursor.js';

// SHOW <words> -> kind, for kinds with no object name. Checked in order; first match wins.
const SIMPLE: readonly (readonly [readonly string[], ShowKind])[] = [
  [['DATABASES'], 'databases'],
  [['SCHEMAS'], 'databases'],
  [['KEYSPACES'], 'keyspaces'],
  [['VITESS_KEYSPACES'], 'keyspaces'],
  [['TABLES'], 'tables'],
  [['TABLE', 'STATUS'], 'table_status'],
  [['VITESS_SHARDS'], 'vitess_shards'],
  [['VITESS_TABLETS'], 'vitess_tablets'],
  [['VITESS_TARGET'], 'vitess_target'],
  [['VITESS_REPLICATION_STATUS'], 'vitess_replication_status'],
  [['VITESS_MIGRATIONS'], 'vitess_migrations'],
  [['VSCHEMA', 'TABLES'], 'vschema_tables'],
  [['VSCHEMA', 'VINDEXES'], 'vschema_vindexes'],
  [['WARNINGS'], 'warnings'],
  [['ERRORS'], 'errors'],
  [['VARIABLES'], 'variables'],
  [['STATUS'], 'status'],
  [['STORAGE', 'ENGINES'], 'engines'],
  [['ENGINES'], 'engines'],
  [['CHARACTER', 'SET'], 'charset'],
  [['CHARSET'], 'charset'],
  [['COLLATION'], 'collation'],
  [['PROCESSLIST'], 'processlist'],
  [['TRIGGERS'], 'triggers'],
  [['EVENTS'], 'events'],
  [['PLUGINS'], 'plugins'],
  [['GRANTS'], 'grants'],
  [['PRIVILEGES'], 'privileges'],
  [['PROCEDURE', 'STATUS'], 'procedure_status'],
  [['FUNCTION', 'STATUS'], 'function_status'],
  [['OPEN', 'TABLES'], 'open_tables'],
  [['MASTER', 'STATUS'], 'master_status'],
  [['BINLOG', 'STATUS'], 'master_status'],
  [['BINARY', 'LOG', 'STATUS'], 'master_status'],
  [['SLAVE', 'STATUS'], 'replica_status'],
  [['REPLICA', 'STATUS'], 'replica_status'],
  [['BINARY', 'LOGS'], 'binary_logs'],
  [['MASTER', 'LOGS'], 'binary_logs'],
  [['PROFILES'], 'profiles'],
];

const CREATE_OBJECTS: ReadonlyMap<string, ShowKind> = new Map([
  ['TABLE', 'create_table'],
  ['VIEW', 'create_view'],
  ['DATABASE', 'create_database'],
  ['SCHEMA', 'create_database'],
  ['PROCEDURE', 'create_procedure'],
  ['FUNCTION', 'create_function'],
  ['TRIGGER', 'create_trigger'],
  ['EVENT', 'create_event'],
  ['USER', 'create_user'],
]);

interface Mutable {
  show: ShowKind;
  full: boolean;
  scope?: 'session' | 'global';
  table?: TableName;
  db?: string;
  like?: string;
  where?: string;
  rest?: string;
}

/** Analyses the words after SHOW (cursor just past SHOW). Unknown forms are kind `other` with `rest`. */
export function analyzeShow(c: TokenCursor, directives: Directives): ShowInfo {
  const s: Mutable = { show: 'other', full: false };
  const end = c.endIndex();
  c.acceptKw('EXTENDED');
  if (c.acceptKw('FULL')) s.full = true;
  if (c.acceptKw('GLOBAL')) s.scope = 'global';
  else if (c.acceptKw('SESSION') || c.acceptKw('LOCAL')) s.scope = 'session';

  const matched = SIMPLE.find(([words]) => c.acceptKw(...words));
  if (matched !== undefined) {
    s.show = matched[1];
    if (s.show === 'vschema_vindexes' && (c.acceptKw('ON') || c.acceptKw('FROM'))) s.table = c.tableName();
  } else if (
    c.acceptKw('COLUMNS') ||
    c.acceptKw('FIELDS') ||
    c.acceptKw('INDEX') ||
    c.acceptKw('INDEXES') ||
    c.acceptKw('KEYS')
  ) {
    const w = c.toks[c.i - 1]!.value;
    s.show = w === 'COLUMNS' || w === 'FIELDS' ? 'columns' : 'index';
    if (!c.acceptKw('FROM') && !c.acceptKw('IN')) throw c.error();
    s.table = c.tableName();
  } else if (c.acceptKw('CREATE')) {
    const obj = c.next();
    const kind = obj?.kind === 'keyword' ? CREATE_OBJECTS.get(obj.value) : undefined;
    if (kind === undefined) throw c.error();
    s.show = kind;
    if (kind === 'create_database') {
      c.acceptKw('IF', 'NOT', 'EXISTS');
      s.db = c.name();
    } else if (kind === 'create_user') {
      s.rest = c.text(c.i, end);
      c.i = end;
    } else s.table = c.tableName();
  } else if (c.acceptKw('ENGINE')) {
    s.show = 'engine';
    s.rest = c.text(c.i, end);
    c.i = end;
  } else if (c.isOp('(', 1) && c.peek()?.value.toUpperCase() === 'COUNT') {
    // SHOW COUNT(*) WARNINGS | ERRORS
    c.i += 2;
    if (!c.acceptOp('*') || !c.acceptOp(')')) throw c.error();
    if (c.acceptKw('WARNINGS')) s.show = 'count_warnings';
    else if (c.acceptKw('ERRORS')) s.show = 'count_errors';
    else throw c.error();
  } else {
    if (c.done()) throw c.error();
    s.rest = c.text(c.i, end);
    c.i = end;
  }

  // Tail: FROM|IN db, LIKE 'pattern', WHERE expr; anything else is kept as `rest` (e.g. LIMIT of SHOW WARNINGS).
  while (c.i < end) {
    if (c.acceptKw('FROM') || c.acceptKw('IN')) {
      const db = c.name();
      if (s.table !== undefined && s.table.qualifier === undefined) s.table = { qualifier: db, name: s.table.name };
      else s.db = db;
    } else if (c.acceptKw('LIKE')) {
      const t = c.next();
      if (t === undefined || (t.kind !== 'string' && t.kind !== 'nstring')) {
        c.i--;
        throw c.error();
      }
      s.like = t.value;
    } else if (c.acceptKw('WHERE')) {
      if (c.i >= end) throw c.error();
      s.where = c.text(c.i, end);
      c.i = end;
    } else {
      s.rest = c.text(c.i, end);
      c.i = end;
    }
  }
  return { kind: 'show', directives, ...s };
}
