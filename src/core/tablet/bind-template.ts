import { Err } from '../errors/index.js';
import { encodeSqlLiteral, Lexer, type BindVars } from '../sql/index.js';

/**
 * A SQL text pre-split at its `:name` / `::name` bind-variable tokens, so that executing a cached plan renders its
 * bind variables by concatenation instead of lexing the statement again (lexing is most of substituteBindVars'
 * cost). `render` is equivalent to `substituteBindVars(sql, bindVars)`: same output, same errors in the same order.
 */
export class BindTemplate {
  private constructor(
    private readonly sql: string,
    /** Text between the bind variables: parts.length === names.length + 1. */
    private readonly parts: readonly string[],
    private readonly names: readonly string[],
    private readonly lists: readonly boolean[],
  ) {}

  /**
   * Compiles `sql`; undefined when it does not lex (the caller then substitutes with substituteBindVars, which
   * reports that error where it always did, possibly after a missing-variable error).
   */
  static compile(sql: string): BindTemplate | undefined {
    if (sql.indexOf(':') < 0) return new BindTemplate(sql, [sql], [], []);
    const parts: string[] = [];
    const names: string[] = [];
    const lists: boolean[] = [];
    let last = 0;
    try {
      const lx = new Lexer(sql);
      for (let t = lx.next(); t !== undefined; t = lx.next()) {
        if (t.kind !== 'bindvar' && t.kind !== 'list_bindvar') continue;
        parts.push(sql.slice(last, t.start));
        names.push(t.value);
        lists.push(t.kind === 'list_bindvar');
        last = t.end;
      }
    } catch {
      return undefined;
    }
    parts.push(sql.slice(last));
    return new BindTemplate(sql, parts, names, lists);
  }

  /** The SQL with every bind variable encoded; throws VtError INVALID_ARGUMENT as substituteBindVars does. */
  render(bindVars: BindVars): string {
    const names = this.names;
    if (names.length === 0) return this.sql;
    let out = this.parts[0]!;
    for (let i = 0; i < names.length; i++) {
      const name = names[i]!;
      const bv = Object.hasOwn(bindVars, name) ? bindVars[name] : undefined;
      if (bv === undefined) throw Err.invalidArgument(`missing bind var ${name}`);
      if (this.lists[i] && bv.type !== 'tuple') {
        throw Err.invalidArgument(`bind variable ${name} is used as a list (::${name}) but is not a tuple`);
      }
      out += encodeSqlLiteral(bv) + this.parts[i + 1]!;
    }
    return out;
  }
}
