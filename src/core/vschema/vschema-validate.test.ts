import { describe, expect, it } from 'vitest';
import { VtError } from '../errors/index.js';
import { vindexTypeInfo, vindexTypeNames } from '../vindexes/vindex-registry.js';
import { buildSrvVSchema } from './build-srv-vschema.js';
import { locateJsonError } from './parse-json.js';
import { parseRoutingRules } from './routing-rules-validate.js';
import type { KeyspaceVSchema } from './vschema.js';
import { checkKeyspaceVSchema, parseKeyspaceVSchema, type VSchemaCheckOptions } from './vschema-validate.js';

const customer = {
  sharded: true,
  vindexes: {
    hash: { type: 'hash' },
    corder_keyspace_idx: {
      type: 'consistent_lookup_unique',
      params: { table: 'product.corder_keyspace_idx', from: 'corder_id', to: 'keyspace_id' },
      owner: 'corder',
    },
  },
  tables: {
    customer: {
      column_vindexes: [{ column: 'customer_id', name: 'hash' }],
      auto_increment: { column: 'customer_id', sequence: 'customer_seq' },
    },
    corder: {
      column_vindexes: [
        { column: 'customer_id', name: 'hash' },
        { column: 'corder_id', name: 'corder_keyspace_idx' },
      ],
    },
    product: { type: 'reference', source: 'commerce.product' },
  },
};

const commerce: KeyspaceVSchema = {
  tables: { customer_seq: { type: 'sequence' }, product: {} },
};

const opts = { keyspace: 'customer', otherKeyspaces: { commerce } };

function errorsOf(vs: unknown, o: VSchemaCheckOptions = opts): readonly string[] {
  return checkKeyspaceVSchema(vs, o).errors;
}

const sharded = (tables: object, vindexes: object = { hash: { type: 'hash' } }) => ({
  sharded: true,
  vindexes,
  tables,
});

describe('checkKeyspaceVSchema', () => {
  it('accepts Vitess example VSchemas', () => {
    expect(errorsOf(customer)).toEqual([]);
    expect(errorsOf(commerce, { keyspace: 'commerce', otherKeyspaces: {} })).toEqual([]);
    expect(errorsOf({}, { keyspace: 'x', otherKeyspaces: {} })).toEqual([]);
  });

  it.each([
    ['not an object', [], 'expected a JSON object'],
    ['sharded type', { sharded: 'true' }, '"sharded" must be a boolean'],
    ['foreign_key_mode', { foreign_key_mode: 'cascade' }, '"foreign_key_mode" must be one of'],
    ['vindex without type', sharded({}, { v: {} }), 'vindex "v": "type" must be a non-empty string'],
    [
      'non-string param',
      sharded({}, { v: { type: 'hash', params: { a: 1 } } }),
      'vindex "v": param "a" must be a string',
    ],
    ['unknown vindex type', sharded({}, { v: { type: 'hashh' } }), 'vindex "v": unknown vindex type "hashh"'],
    [
      'lookup missing table',
      sharded({}, { lookup_idx: { type: 'lookup_hash', params: { from: 'a', to: 'b' } } }),
      'vindex "lookup_idx": type "lookup_hash" requires param "table"',
    ],
    [
      'numeric_static_map one-of',
      sharded({}, { m: { type: 'numeric_static_map' } }),
      'requires one of params "json_path", "json"',
    ],
    [
      'owner on non-lookup',
      sharded({ t: { column_vindexes: [{ column: 'id', name: 'h' }] } }, { h: { type: 'hash', owner: 't' } }),
      'cannot have an owner',
    ],
    [
      'unknown vindex reference',
      sharded({ customer: { column_vindexes: [{ column: 'id', name: 'hsh' }] } }),
      'table "customer": column_vindexes[0]: unknown vindex "hsh"',
    ],
    ['missing primary vindex', sharded({ t: {} }), 'table "t": missing primary vindex'],
    [
      'non-unique primary',
      sharded(
        { t: { column_vindexes: [{ column: 'id', name: 'l' }] } },
        { l: { type: 'lookup_hash', params: { table: 'x', from: 'a', to: 'b' } } },
      ),
      'table "t": primary vindex "l" (type lookup_hash) is not unique',
    ],
    [
      'owned primary',
      sharded(
        { t: { column_vindexes: [{ column: 'id', name: 'l' }] } },
        { l: { type: 'lookup_unique', params: { table: 'x', from: 'a', to: 'b' }, owner: 't' } },
      ),
      'primary vindex "l" cannot be owned',
    ],
    [
      'column vindex without column',
      sharded({ t: { column_vindexes: [{ name: 'hash' }] } }),
      'needs "column" or "columns"',
    ],
    [
      'column and columns',
      sharded({ t: { column_vindexes: [{ name: 'hash', column: 'a', columns: ['a'] }] } }),
      'set "column" or "columns", not both',
    ],
    [
      'unsharded with column vindexes',
      { vindexes: { hash: { type: 'hash' } }, tables: { t: { column_vindexes: [{ column: 'id', name: 'hash' }] } } },
      'table "t": column_vindexes are not allowed in an unsharded keyspace',
    ],
    [
      'bad table type',
      { tables: { t: { type: 'view' } } },
      'table "t": "type" must be "sequence", "reference" or empty',
    ],
    [
      'sequence in sharded keyspace',
      sharded({ s: { type: 'sequence' } }),
      'table "s": sequence tables must be in an unsharded keyspace',
    ],
    [
      'reference with vindexes',
      sharded({ r: { type: 'reference', column_vindexes: [{ column: 'a', name: 'hash' }] } }),
      'reference table cannot have column_vindexes',
    ],
    [
      'sequence not found',
      sharded({
        t: { column_vindexes: [{ column: 'id', name: 'hash' }], auto_increment: { column: 'id', sequence: 'nope' } },
      }),
      'table "t": auto_increment: sequence "nope" not found',
    ],
    [
      'sequence not a sequence table',
      sharded({
        t: {
          column_vindexes: [{ column: 'id', name: 'hash' }],
          auto_increment: { column: 'id', sequence: 'commerce.product' },
        },
      }),
      'auto_increment: table "commerce.product" is not a sequence table',
    ],
    [
      'auto_increment without column',
      { tables: { t: { auto_increment: { sequence: 's' } } } },
      'auto_increment: "column" must be a non-empty string',
    ],
    ['pinned not hex', sharded({ t: { pinned: 'zz' } }), 'pinned "zz" is not a hex keyspace id'],
    [
      'bad reference source',
      sharded({ r: { type: 'reference', source: 'product' } }),
      'must be a qualified table name',
    ],
  ])('%s', (_name, vs, message) => {
    const errs = errorsOf(vs);
    expect(errs.join('\n')).toContain(message);
  });

  it('resolves qualified sequences, and unqualified ones across keyspaces', () => {
    const t = (sequence: string) =>
      sharded({ t: { column_vindexes: [{ column: 'id', name: 'hash' }], auto_increment: { column: 'id', sequence } } });
    expect(errorsOf(t('commerce.customer_seq'))).toEqual([]);
    expect(errorsOf(t('customer_seq'))).toEqual([]);
    expect(errorsOf(t('other.customer_seq')).join()).toContain('not found');
    // Without the other keyspaces, a sequence elsewhere cannot be ruled out.
    expect(errorsOf(t('customer_seq'), { keyspace: 'customer' } as never)).toEqual([]);
  });

  it('warns about unknown vindex params without failing', () => {
    const check = checkKeyspaceVSchema(sharded({}, { h: { type: 'hash', params: { colour: 'blue' } } }), opts);
    expect(check.errors).toEqual([]);
    expect(check.warnings).toEqual(['vindex "h": unknown param "colour" for type "hash"']);
  });

  it('keeps unknown fields', () => {
    const vs = { ...customer, multi_tenant_spec: { tenant_id_column_name: 'x' } };
    expect(checkKeyspaceVSchema(vs, opts).vschema).toEqual(vs);
  });
});

describe('parseKeyspaceVSchema', () => {
  it('reports JSON syntax errors with line and column', () => {
    const text = '{\n  "sharded": true,\n  "tables": {\n    "t": {,}\n  }\n}';
    expect(() => parseKeyspaceVSchema(text, opts)).toThrow(
      'vschema: invalid JSON at line 4, column 11: expected a property name in double quotes, got ","',
    );
  });

  it('throws one INVALID_ARGUMENT listing every problem', () => {
    let err: unknown;
    try {
      parseKeyspaceVSchema(
        JSON.stringify(sharded({ a: {}, b: { column_vindexes: [{ column: 'x', name: 'nope' }] } })),
        opts,
      );
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(VtError);
    expect((err as VtError).code).toBe('INVALID_ARGUMENT');
    expect((err as VtError).message).toBe(
      'vschema: table "a": missing primary vindex (tables of a sharded keyspace need column_vindexes); table "b": column_vindexes[0]: unknown vindex "nope"',
    );
  });

  it.each([
    ['', 'end of input'],
    ['{"a": tru}', 'expected a value'],
    ['{"a": 1,}', 'expected a property name'],
    ['[1 2]', "expected ',' or ']'"],
    ['{"a": "x\u0001"}', 'control character'],
    ['{} x', 'unexpected data after'],
  ])('locates JSON error in %j', (text, problem) => {
    expect(locateJsonError(text)?.problem).toContain(problem);
  });

  it('finds no error in valid JSON', () => {
    expect(locateJsonError('{"a": [1, -2.5e3, true, null, "\\u00e9\\n"]}')).toBeUndefined();
  });
});

describe('vindex catalogue', () => {
  it('knows the Vitess vindex types and their uniqueness', () => {
    expect(vindexTypeNames()).toHaveLength(20);
    expect(vindexTypeInfo('hash')?.unique).toBe(true);
    expect(vindexTypeInfo('lookup')?.unique).toBe(false);
    expect(vindexTypeInfo('consistent_lookup_unique')).toMatchObject({ unique: true, lookup: true });
    expect(vindexTypeInfo('multicol')?.required).toEqual(['column_count']);
    expect(vindexTypeInfo('md5')).toBeUndefined();
  });
});

describe('routing rules', () => {
  it('accepts valid rules', () => {
    const text = JSON.stringify({
      rules: [
        { from_table: 'customer', to_tables: ['customer.customer'] },
        { from_table: 'commerce.customer@replica', to_tables: ['customer.customer'] },
      ],
    });
    expect(parseRoutingRules(text, new Set(['customer', 'commerce'])).rules).toHaveLength(2);
    expect(parseRoutingRules('{}').rules).toEqual([]);
  });

  it.each([
    ['{"rules": {}}', '"rules" must be an array'],
    ['{"rules": [{"from_table": "a.b.c", "to_tables": ["x.y"]}]}', 'rules[0]: "from_table" must be'],
    ['{"rules": [{"from_table": "a", "to_tables": []}]}', '"to_tables" must be a non-empty array'],
    ['{"rules": [{"from_table": "a", "to_tables": ["y"]}]}', 'to_tables[0] must be a qualified table name'],
    [
      '{"rules": [{"from_table": "a", "to_tables": ["ks.a"]}, {"from_table": "a", "to_tables": ["ks.a"]}]}',
      'rules[1]: duplicate rule for "a"',
    ],
    ['{"rules": [{"from_table": "a", "to_tables": ["nope.a"]}]}', 'keyspace "nope" not found'],
    ['{"rules": [', 'routing rules: invalid JSON at line 1, column 12'],
  ])('rejects %s', (text, message) => {
    expect(() => parseRoutingRules(text, new Set(['ks']))).toThrow(message);
  });
});

describe('buildSrvVSchema', () => {
  it('bundles keyspaces in name order, defaulting missing VSchemas, with routing rules', () => {
    const rr = { rules: [{ from_table: 'a', to_tables: ['customer.a'] }] };
    const srv = buildSrvVSchema({ customer: customer as KeyspaceVSchema, commerce, empty: undefined }, rr);
    expect(Object.keys(srv.keyspaces)).toEqual(['commerce', 'customer', 'empty']);
    expect(srv.keyspaces['empty']).toEqual({ sharded: false });
    expect(srv.routing_rules).toBe(rr);
    expect(srv.shard_routing_rules).toBeUndefined();
    expect(buildSrvVSchema({}).routing_rules).toEqual({ rules: [] });
  });
});
