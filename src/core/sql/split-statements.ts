import { Lexer } from './sql-lexer.js';
import { isComment } from './token.js';

/**
 * Splits a multi-statement COM_QUERY on top-level `;` (never inside strings, quoted identifiers or comments).
 * Each piece is the trimmed source text without its `;`. Pieces with no tokens are dropped, and so are pieces
 * holding only comments, except when the input has nothing else (so `/* ping *\/` still yields one statement,
 * which `analyze` reports as comment_only). A comment before a statement stays with it (its `/*vt+ *\/`
 * directives apply). Throws VtError 1064 when the input does not lex.
 */
export function splitStatements(sql: string): string[] {
  if (sql.indexOf(';') < 0) {
    const only = sql.trim();
    return only === '' ? [] : [only];
  }
  const out: string[] = [];
  let commentOnly: string | undefined;
  let pieceStart = 0;
  let hasCode = false;
  let hasAny = false;
  const lx = new Lexer(sql);
  const flush = (end: number): void => {
    const text = sql.slice(pieceStart, end).trim();
    if (hasCode) out.push(text);
    else if (hasAny && commentOnly === undefined) commentOnly = text;
    hasCode = false;
    hasAny = false;
  };
  for (let t = lx.next(); t !== undefined; t = lx.next()) {
    if (t.kind === 'op' && t.value === ';') {
      flush(t.start);
      pieceStart = t.end;
    } else {
      hasAny = true;
      if (!isComment(t)) hasCode = true;
    }
  }
  flush(sql.length);
  if (out.length === 0 && commentOnly !== undefined) out.push(commentOnly);
  return out;
}
