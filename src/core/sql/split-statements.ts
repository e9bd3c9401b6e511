import { Lexer } from './sql-lexer.js';
import { isComment, type Token } from './token.js';

const ROUTINES = new Set(['PROCEDURE', 'FUNCTION', 'TRIGGER', 'EVENT']);
const END_OF_UNCOUNTED = new Set(['IF', 'LOOP', 'WHILE', 'REPEAT']);

/**
 * Splits a multi-statement COM_QUERY on top-level `;` (never inside strings, quoted identifiers or comments).
 * Each piece is the trimmed source text without its `;`. Pieces with no tokens are dropped, and so are pieces
 * holding only comments, except when the input has nothing else (so `/* ping *\/` still yields one statement,
 * which `analyze` reports as comment_only). A comment before a statement stays with it (its `/*vt+ *\/`
 * directives apply). Compound bodies are kept whole, as mysqld parses them: inside CREATE PROCEDURE / FUNCTION
 * / TRIGGER / EVENT and MariaDB's `BEGIN NOT ATOMIC`, a `;` between BEGIN (or CASE) and its END does not split;
 * nor does a `;` inside an executable comment (`/*!40101 ... *\/`), so every piece lexes on its own.
 * Throws VtError 1064 when input containing a `;` does not lex; input without any `;` is returned trimmed without
 * lexing (the common single-statement case costs nothing here; normalize/analyze report its syntax errors).
 */
export function splitStatements(sql: string): string[] {
  if (sql.indexOf(';') < 0) {
    const only = sql.trim();
    return only === '' ? [] : [only];
  }
  const out: string[] = [];
  let commentOnly: string | undefined;
  let pieceStart = 0;
  let first: Token | undefined; // first code token of the current piece
  let compound = false; // the piece can hold BEGIN ... END blocks
  let depth = 0;
  let prev: Token | undefined;
  let hasAny = false;
  const lx = new Lexer(sql);
  const flush = (end: number): void => {
    const text = sql.slice(pieceStart, end).trim();
    if (first !== undefined) out.push(text);
    else if (hasAny && commentOnly === undefined) commentOnly = text;
    first = undefined;
    compound = false;
    depth = 0;
    hasAny = false;
  };
  for (let t = lx.next(); t !== undefined; t = lx.next()) {
    if (isComment(t)) {
      hasAny = true;
      continue;
    }
    if (t.kind === 'op' && t.value === ';' && depth === 0 && !lx.inExecutableComment) {
      flush(t.start);
      pieceStart = t.end;
      prev = undefined;
      continue;
    }
    hasAny = true;
    if (t.kind === 'keyword') {
      const afterEnd = prev?.kind === 'keyword' && prev.value === 'END';
      if (first === undefined) first = t;
      else if (!compound && ROUTINES.has(t.value) && first.value === 'CREATE') compound = true;
      else if (!compound && t.value === 'ATOMIC' && first.value === 'BEGIN' && prev?.value === 'NOT') compound = true;
      if (compound) {
        if (t.value === 'BEGIN' || (t.value === 'CASE' && !afterEnd)) depth++;
        else if (t.value === 'END' && depth > 0) depth--;
        else if (END_OF_UNCOUNTED.has(t.value) && afterEnd) depth++; // END IF / END LOOP...: that END closed no BEGIN
      }
      if (compound && t.value === 'ATOMIC' && first.value === 'BEGIN') depth++; // the outer BEGIN of BEGIN NOT ATOMIC
    } else if (first === undefined) first = t;
    prev = t;
  }
  flush(sql.length);
  if (out.length === 0 && commentOnly !== undefined) out.push(commentOnly);
  return out;
}
