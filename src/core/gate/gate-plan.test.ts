import { describe, expect, it } from 'vitest';
import { normalize } from '../sql/normalize.js';
import { buildPlan } from './gate-plan.js';

const keyspaces = new Set(['commerce', 'customer']);
const plan = (sql: string) => buildPlan(normalize(sql).normalized, (n) => keyspaces.has(n));

describe('buildPlan', () => {
  it('strips served keyspace qualifiers and reports the keyspace', () => {
    const p = plan('select p.id from commerce.product p join `commerce`.orders o on o.pid = p.id where p.id = 5');
    expect(p.keyspace).toBe('commerce');
    expect(p.crossKeyspace).toBe(false);
    expect(p.rewritten).toBe(true);
    expect(p.sql).toBe('select p.id from product p join orders o on o.pid = p.id where p.id = :vtg1');
  });

  it('leaves system schemas and unknown qualifiers alone', () => {
    const p = plan('select * from information_schema.tables where table_schema = 1');
    expect(p.keyspace).toBeUndefined();
    expect(p.rewritten).toBe(false);
    expect(plan('select * from other.t').sql).toBe('select * from other.t');
  });

  it('flags statements naming two keyspaces', () => {
    expect(plan('select * from commerce.a, customer.b').crossKeyspace).toBe(true);
  });

  it('turns user variables into bind variables, aliasing a bare select-list reference', () => {
    const p = plan("select @x, @y + 1 as z from t where a = @x and b = 'q'");
    expect(p.userVars).toEqual([
      ['__vtudv1', 'x'],
      ['__vtudv2', 'y'],
    ]);
    expect(p.sql).toBe('select :__vtudv1 AS `@x`, :__vtudv2 + :vtg1 as z from t where a = :__vtudv1 and b = :vtg2');
    expect(plan('select @x := 1').userVars).toEqual([]);
  });

  it('marks FROM-less selects of session facts as answered by the gate', () => {
    const p = plan('select @@version_comment limit 1');
    expect(p.gateSelect).toEqual(['version_comment']);
    expect(p.columnNames).toEqual(['@@version_comment']);
    const q = plan('SELECT DATABASE() AS db, last_insert_id(), CONNECTION_ID()');
    expect(q.gateSelect).toEqual(['database', 'last_insert_id', 'connection_id']);
    expect(q.columnNames).toEqual(['db', 'last_insert_id()', 'CONNECTION_ID()']);
    expect(plan('select @@version, now()').gateSelect).toBeUndefined();
    expect(plan('select database() from t').gateSelect).toBeUndefined();
  });

  it('knows where sql_select_limit goes in the rewritten text', () => {
    const p = plan('select @x from commerce.t where a = 1 for update');
    const at = p.selectLimitAt!;
    expect(`${p.sql.slice(0, at)} limit 5${p.sql.slice(at)}`).toBe(
      'select :__vtudv1 AS `@x` from t where a = :vtg1 limit 5 for update',
    );
    expect(plan('select 1 from t limit 2').selectLimitAt).toBeUndefined();
    expect(plan('update t set a = 1').selectLimitAt).toBeUndefined();
  });

  it('throws 1064 for text that does not lex', () => {
    expect(() => plan("select 'unterminated")).toThrow(expect.objectContaining({ errno: 1064 }));
  });
});
