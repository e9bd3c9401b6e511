import { describe, expect, it } from 'vitest';
import { PlanCache } from './plan-cache.js';
import { QueryRules } from './query-rules.js';
import { sqlStatementAnalyzer } from './statement-classifier.js';
import { buildTabletPlan, withRowCap } from './tablet-plan.js';

const plan = (sql: string, rules = QueryRules.empty()) =>
  buildTabletPlan(sql, sqlStatementAnalyzer.analyze(sql), rules);

describe('buildTabletPlan', () => {
  it('assigns Vitess plan types', () => {
    expect(plan('select * from t').planType).toBe('Select');
    expect(plan('select * from t for update').planType).toBe('SelectLock');
    expect(plan('select 1').planType).toBe('SelectNoTable');
    expect(plan("select get_lock('l', 1)").planType).toBe('SelectLockFunc');
    expect(plan("select release_lock('l')").planType).toBe('SelectNoTable');
    expect(plan('insert into t values (1)').planType).toBe('Insert');
    expect(plan('alter table t add x int').planType).toBe('DDL');
    expect(plan('set autocommit = 1').planType).toBe('Set');
    expect(plan('show tables').planType).toBe('Show');
    expect(plan('describe t').planType).toBe('Show');
    expect(plan('explain select 1').planType).toBe('OtherRead');
    expect(plan('repair table t').planType).toBe('OtherAdmin');
  });

  it('inserts the row-cap limit only into selects from tables without LIMIT', () => {
    expect(withRowCap(plan('select * from t for update'), 10001)).toBe('select * from t limit 10001 for update');
    expect(withRowCap(plan('select * from t limit 5'), 10001)).toBe('select * from t limit 5');
    expect(withRowCap(plan('select 1'), 10001)).toBe('select 1');
    expect(withRowCap(plan('update t set a = 1'), 10001)).toBe('update t set a = 1');
    expect(plan('select * from t limit 5').rowCapped).toBe(true);
    expect(plan('update t set a = 1').rowCapped).toBe(false);
  });

  it('keeps only the rules that can match the statement', () => {
    const rules = QueryRules.parse(
      '[{"Description": "d1", "TableNames": ["t"]}, {"Description": "d2", "Plans": ["DDL"]}]',
    );
    expect(plan('select * from t', rules).rules.size).toBe(1);
    expect(plan('select * from u', rules).rules.size).toBe(0);
  });
});

describe('PlanCache', () => {
  it('evicts the least recently used plan', () => {
    const c = new PlanCache(2);
    c.set('a', plan('select 1'));
    c.set('b', plan('select 2'));
    expect(c.get('a')).toBeDefined();
    c.set('c', plan('select 3'));
    expect(c.get('b')).toBeUndefined();
    expect(c.get('a')).toBeDefined();
    expect(c.get('c')).toBeDefined();
    expect(c.stats()).toMatchObject({ size: 2, hits: 3, misses: 1 });
  });
});
