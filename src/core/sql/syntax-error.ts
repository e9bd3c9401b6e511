import { Err, type VtError } from '../errors/index.js';

const SNIPPET_MAX = 80;

/**
 * Builds the 1064/42000 syntax error for `sql` at UTF-16 offset `offset`, in MySQL's wording (the snippet is the
 * rest of the statement from the offending point, at most 80 characters, as mysqld prints it) plus the
 * 1-based line and Vitess's 1-based `position` so a client can point at the exact character.
 */
export function syntaxErrorAt(sql: string, offset: number): VtError {
  const at = Math.max(0, Math.min(offset, sql.length));
  const snippet = sql.slice(at, at + SNIPPET_MAX);
  let line = 1;
  for (let i = 0; i < at; i++) if (sql.charCodeAt(i) === 10) line++;
  return Err.syntax(
    `You have an error in your SQL syntax; check the manual that corresponds to your MariaDB server version ` +
      `for the right syntax to use near '${snippet}' at line ${line}, position ${at + 1}`,
  );
}
