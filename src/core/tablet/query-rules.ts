import { readFile } from 'node:fs/promises';
import { VtError } from '../errors/index.js';
import { isPlanType, type PlanType } from './plan-type.js';

/** FAIL: reject (INVALID_ARGUMENT); FAIL_RETRY: reject as retryable elsewhere (FAILED_PRECONDITION); CONTINUE: allow. */
export type RuleAction = 'FAIL' | 'FAIL_RETRY' | 'CONTINUE';

/** One query rule. Every condition present must match (AND); an absent condition matches everything. */
export interface QueryRule {
  readonly name: string;
  readonly description: string;
  /** Anchored like Vitess: the whole statement must match. */
  readonly query?: RegExp;
  readonly plans?: ReadonlySet<PlanType>;
  /** Table names; `*` is a wildcard (`user_*`). The rule matches if any referenced table matches. */
  readonly tableNames?: readonly RegExp[];
  readonly user?: RegExp;
  readonly requestIp?: RegExp;
  readonly action: RuleAction;
}

/** Who sent the query (for rules with User / RequestIP conditions). */
export interface CallerInfo {
  readonly user?: string;
  readonly remoteAddr?: string;
}

/**
 * Query rules (Vitess's blacklist/denylist rules) in Vitess's JSON format:
 * `[{"Name": "r1", "Description": "no scans of t1", "Query": "select .*", "Plans": ["Select"],
 *    "TableNames": ["t1"], "RequestIP": "...", "User": "...", "Action": "FAIL"}]`.
 * Rules are evaluated in order and the first matching one decides; no match means allowed.
 * BindVarConds are not supported and are rejected when loading.
 */
export class QueryRules {
  private constructor(readonly rules: readonly QueryRule[]) {}

  static empty(): QueryRules {
    return new QueryRules([]);
  }

  static fromRules(rules: readonly QueryRule[]): QueryRules {
    return new QueryRules(rules);
  }

  /** Parses the JSON text; INVALID_ARGUMENT naming the rule and field on any malformed entry. */
  static parse(json: string): QueryRules {
    let doc: unknown;
    try {
      doc = JSON.parse(json);
    } catch (err) {
      throw new VtError('INVALID_ARGUMENT', `query rules: invalid JSON: ${(err as Error).message}`);
    }
    if (!Array.isArray(doc)) throw new VtError('INVALID_ARGUMENT', 'query rules: expected a JSON array of rules');
    return new QueryRules(doc.map((r, i) => parseRule(r, i)));
  }

  static async load(path: string): Promise<QueryRules> {
    let text: string;
    try {
      text = await readFile(path, 'utf8');
    } catch (err) {
      throw new VtError('INVALID_ARGUMENT', `query rules: cannot read ${path}: ${(err as Error).message}`);
    }
    return QueryRules.parse(text);
  }

  /** The rules whose statement-level conditions (query, plan, tables) match; cached per plan by the engine. */
  filter(sql: string, plan: PlanType, tables: readonly string[]): QueryRules {
    const out = this.rules.filter(
      (r) =>
        (!r.plans || r.plans.has(plan)) &&
        (!r.query || r.query.test(sql)) &&
        (!r.tableNames || tables.some((t) => r.tableNames!.some((re) => re.test(t)))),
    );
    return out.length === this.rules.length ? this : new QueryRules(out);
  }

  /**
   * Throws if the first rule that matches the caller says FAIL/FAIL_RETRY. Call on the output of `filter`.
   * Error: `disallowed due to rule: <Description>` (errno 1105, HY000), as Vitess.
   */
  check(caller: CallerInfo = {}): void {
    for (const r of this.rules) {
      if (r.user && !r.user.test(caller.user ?? '')) continue;
      if (r.requestIp && !r.requestIp.test(caller.remoteAddr ?? '')) continue;
      if (r.action === 'CONTINUE') return;
      const code = r.action === 'FAIL_RETRY' ? 'FAILED_PRECONDITION' : 'INVALID_ARGUMENT';
      throw new VtError(code, `disallowed due to rule: ${r.description || r.name}`, { reason: 'QueryRule' });
    }
  }

  get size(): number {
    return this.rules.length;
  }
}

const knownKeys = new Set([
  'Name',
  'Description',
  'Query',
  'Plans',
  'TableNames',
  'RequestIP',
  'User',
  'Action',
  'BindVarConds',
  'LeadingComment',
  'TrailingComment',
]);

function parseRule(raw: unknown, index: number): QueryRule {
  const where = `query rules: rule #${index + 1}`;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw))
    throw new VtError('INVALID_ARGUMENT', `${where}: expected an object`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) {
    if (!knownKeys.has(k)) throw new VtError('INVALID_ARGUMENT', `${where}: unknown field ${k}`);
  }
  const str = (k: string): string | undefined => {
    const v = r[k];
    if (v === undefined || v === null || v === '') return undefined;
    if (typeof v !== 'string') throw new VtError('INVALID_ARGUMENT', `${where}: ${k} must be a string`);
    return v;
  };
  const strs = (k: string): string[] | undefined => {
    const v = r[k];
    if (v === undefined || v === null) return undefined;
    if (!Array.isArray(v) || v.some((x) => typeof x !== 'string')) {
      throw new VtError('INVALID_ARGUMENT', `${where}: ${k} must be an array of strings`);
    }
    return v.length === 0 ? undefined : (v as string[]);
  };
  const name = str('Name') ?? `rule${index + 1}`;
  const re = (k: string): RegExp | undefined => {
    const v = str(k);
    if (v === undefined) return undefined;
    try {
      return new RegExp(`^(?:${v})$`);
    } catch (err) {
      throw new VtError('INVALID_ARGUMENT', `${where} (${name}): bad ${k} regexp: ${(err as Error).message}`);
    }
  };
  if (r['BindVarConds'] !== undefined && !(Array.isArray(r['BindVarConds']) && r['BindVarConds'].length === 0)) {
    throw new VtError('INVALID_ARGUMENT', `${where} (${name}): BindVarConds are not supported`);
  }
  const plans = strs('Plans');
  for (const p of plans ?? []) {
    if (!isPlanType(p)) throw new VtError('INVALID_ARGUMENT', `${where} (${name}): unknown plan type ${p}`);
  }
  const action = str('Action') ?? 'FAIL';
  if (action !== 'FAIL' && action !== 'FAIL_RETRY' && action !== 'CONTINUE') {
    throw new VtError('INVALID_ARGUMENT', `${where} (${name}): unknown Action ${action}`);
  }
  const tables = strs('TableNames');
  const query = re('Query');
  const user = re('User');
  const requestIp = re('RequestIP');
  return {
    name,
    description: str('Description') ?? '',
    action,
    ...(query ? { query } : {}),
    ...(plans ? { plans: new Set(plans as PlanType[]) } : {}),
    ...(tables ? { tableNames: tables.map(globToRegExp) } : {}),
    ...(user ? { user } : {}),
    ...(requestIp ? { requestIp } : {}),
  };
}

function globToRegExp(glob: string): RegExp {
  const body = glob
    .split('*')
    .map((s) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`, 'i');
}
