import type { SetAssignment, SetScope } from './statement-info.js';
import { sysVarRef } from './query-scan.js';
import type { TokenCursor } from './token-cursor.js';
import { isOp } from './token.js';

const SCOPES: ReadonlyMap<string, SetScope> = new Map([
  ['GLOBAL', 'global'],
  ['SESSION', 'session'],
  ['LOCAL', 'session'], // MySQL: LOCAL is a synonym for SESSION
  ['PERSIST', 'persist'],
  ['PERSIST_ONLY', 'persist_only'],
]);
const SCOPE_WORDS = new Set(SCOPES.keys());

/**
 * Parses the assignments after SET (cursor just past SET). Handles `SET NAMES cs [COLLATE c | DEFAULT]`,
 * `SET CHARACTER SET cs` / `SET CHARSET cs` (name `charset`), `SET [scope] TRANSACTION ISOLATION LEVEL ... ,
 * READ ONLY|WRITE` (names `transaction_isolation` with MySQL's value spelling `REPEATABLE-READ`, and
 * `transaction_read_only` '0'/'1'; without a scope they apply to the next transaction only: scope `next_tx`),
 * and `[scope] var = expr`, `@@[scope.]var = expr`, `@user = expr` / `:=`. Throws 1064 on anything else.
 */
export function parseSetAssignments(c: TokenCursor): SetAssignment[] {
  const out: SetAssignment[] = [];
  const end = c.endIndex();
  do {
    let scope: SetScope | undefined;
    const scopeWord = c.acceptAnyKw(SCOPE_WORDS);
    if (scopeWord !== undefined) scope = SCOPES.get(scopeWord)!;
    if (c.acceptKw('TRANSACTION')) {
      parseTransaction(c, scope ?? 'next_tx', out);
      continue;
    }
    if (scope === undefined && c.acceptKw('NAMES')) {
      const cs = charsetName(c);
      let collation: string | undefined;
      if (c.acceptKw('COLLATE')) collation = charsetName(c);
      const valueText = c.text(c.i - (collation === undefined ? 1 : 3), c.i);
      out.push({
        scope: 'session',
        name: 'names',
        valueText,
        valueKind: 'ident',
        value: cs,
        ...(collation !== undefined ? { collation } : {}),
      });
      continue;
    }
    if (scope === undefined && (c.acceptKw('CHARACTER', 'SET') || c.acceptKw('CHARSET'))) {
      const at = c.i;
      const cs = charsetName(c);
      out.push({ scope: 'session', name: 'charset', valueText: c.text(at, c.i), valueKind: 'ident', value: cs });
      continue;
    }
    const t = c.peek();
    let name: string;
    if (t?.kind === 'uservar') {
      c.next();
      scope = 'user';
      name = t.value;
    } else if (t?.kind === 'sysvar') {
      c.next();
      const ref = sysVarRef(t.value);
      scope = ref.scope ?? 'session';
      name = ref.name;
    } else {
      name = c.name().toLowerCase();
      if (c.isOp('.')) {
        // `SET SESSION x.y` / `SET @@x.y`: structured variable names (e.g. MyISAM key cache `default.key_buffer_size`)
        c.next();
        name += '.' + c.name().toLowerCase();
      }
      scope ??= 'session';
    }
    if (!c.acceptOp('=') && !c.acceptOp(':=')) throw c.error();
    const valueStart = c.i;
    let depth = 0;
    while (c.i < end) {
      const v = c.peek()!;
      if (isOp(v, '(')) depth++;
      else if (isOp(v, ')')) depth--;
      else if (depth === 0 && isOp(v, ',')) break;
      c.next();
    }
    if (c.i === valueStart) throw c.error();
    out.push({ scope, name, ...describeValue(c, valueStart, c.i) });
  } while (c.acceptOp(','));
  if (!c.done()) throw c.error();
  return out;
}

/** A charset/collation name: identifier, string, or DEFAULT (returned as 'default'). */
function charsetName(c: TokenCursor): string {
  return c.acceptKw('DEFAULT') ? 'default' : c.nameOrString();
}

function describeValue(c: TokenCursor, a: number, b: number): { valueText: string; valueKind: string; value?: string } {
  const valueText = c.text(a, b);
  const t = c.toks[a]!;
  if (b - a === 1) {
    return { valueText, valueKind: t.kind, value: t.value };
  }
  const n = c.toks[a + 1]!;
  if (b - a === 2 && isOp(t, '-') && (n.kind === 'int' || n.kind === 'decimal' || n.kind === 'float')) {
    return { valueText, valueKind: n.kind, value: '-' + n.value };
  }
  return { valueText, valueKind: 'expr' };
}

function parseTransaction(c: TokenCursor, scope: SetScope, out: SetAssignment[]): void {
  do {
    const at = c.i;
    if (c.acceptKw('ISOLATION', 'LEVEL')) {
      let value: string;
      if (c.acceptKw('REPEATABLE', 'READ')) value = 'REPEATABLE-READ';
      else if (c.acceptKw('READ', 'COMMITTED')) value = 'READ-COMMITTED';
      else if (c.acceptKw('READ', 'UNCOMMITTED')) value = 'READ-UNCOMMITTED';
      else if (c.acceptKw('SERIALIZABLE')) value = 'SERIALIZABLE';
      else throw c.error();
      out.push({ scope, name: 'transaction_isolation', valueText: c.text(at + 2, c.i), valueKind: 'keyword', value });
    } else if (c.acceptKw('READ', 'ONLY') || c.acceptKw('READ', 'WRITE')) {
      const ro = c.toks[c.i - 1]!.value === 'ONLY';
      out.push({
        scope,
        name: 'transaction_read_only',
        valueText: c.text(at, c.i),
        valueKind: 'keyword',
        value: ro ? '1' : '0',
      });
    } else throw c.error();
  } while (c.acceptOp(','));
}
