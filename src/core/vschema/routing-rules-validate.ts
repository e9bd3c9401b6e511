import { Err } from '../errors/index.js';
import { parseJsonText } from './parse-json.js';
import type { RoutingRules } from './vschema.js';
import { isObj } from './vschema-shape.js';

/**
 * Validates routing rules ({rules: [{from_table, to_tables}]}): from_table is `table`, `ks.table` or either
 * with an `@tablet_type` suffix, and appears once; to_tables is a non-empty list of qualified `ks.table`
 * names. With `keyspaces`, target keyspaces must be among them. Returns one message per problem.
 */
export function checkRoutingRules(
  input: unknown,
  keyspaces?: ReadonlySet<string>,
): { rules: RoutingRules; errors: string[] } {
  const errors: string[] = [];
  if (!isObj(input)) return { rules: { rules: [] }, errors: ['expected a JSON object {"rules": [...]}'] };
  const raw = input['rules'] ?? [];
  if (!Array.isArray(raw)) return { rules: { rules: [] }, errors: ['"rules" must be an array'] };
  const seen = new Set<string>();
  raw.forEach((r: unknown, i) => {
    const at = `rules[${i}]`;
    if (!isObj(r)) return void errors.push(`${at}: expected an object`);
    const from = r['from_table'];
    if (typeof from !== 'string' || !/^([^.@\s]+\.)?[^.@\s]+(@[a-z]+)?$/i.test(from)) {
      return void errors.push(`${at}: "from_table" must be "table", "ks.table" or with an "@tablet_type" suffix`);
    }
    if (seen.has(from)) errors.push(`${at}: duplicate rule for "${from}"`);
    seen.add(from);
    const to = r['to_tables'];
    if (!Array.isArray(to) || to.length === 0)
      return void errors.push(`${at} ("${from}"): "to_tables" must be a non-empty array`);
    to.forEach((t: unknown, j) => {
      if (typeof t !== 'string' || !/^[^.\s]+\.[^.\s]+$/.test(t)) {
        return void errors.push(`${at} ("${from}"): to_tables[${j}] must be a qualified table name (ks.table)`);
      }
      const ks = t.slice(0, t.indexOf('.'));
      if (keyspaces && !keyspaces.has(ks))
        errors.push(`${at} ("${from}"): to_tables[${j}]: keyspace "${ks}" not found`);
    });
  });
  return { rules: input as unknown as RoutingRules, errors };
}

/** Parses + validates routing rules JSON text; throws INVALID_ARGUMENT `routing rules: <problems>`. */
export function parseRoutingRules(text: string, keyspaces?: ReadonlySet<string>): RoutingRules {
  const { rules, errors } = checkRoutingRules(parseJsonText(text, 'routing rules'), keyspaces);
  if (errors.length > 0) throw Err.invalidArgument(`routing rules: ${errors.join('; ')}`);
  return { ...rules, rules: rules.rules ?? [] };
}
