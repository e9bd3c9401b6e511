import { checkRoutingRules } from '../../vschema/routing-rules-validate.js';
import type { KeyspaceVSchema, RoutingRules, SrvVSchema } from '../../vschema/vschema.js';
import { readKeyspaceVSchema } from '../../vschema/vschema-shape.js';
import { badRecord, parseRecordJson, RecordReader } from './record-reader.js';

/**
 * Decoders for the VSchema-family records: global /keyspaces/<ks>/VSchema, global /RoutingRules and cell
 * /SrvVSchema. Stored VSchemas were validated when saved, so decoding checks structure only (a structural
 * problem is a bad record, reason 'BadRecord').
 */

export function decodeKeyspaceVSchema(data: Buffer | string, where: string): KeyspaceVSchema {
  const obj = parseRecordJson('VSchema', where, data);
  const errors: string[] = [];
  const vs = readKeyspaceVSchema(obj, errors);
  if (errors.length > 0) throw badRecord('VSchema', where, errors.join('; '));
  return vs;
}

export function decodeRoutingRules(data: Buffer | string, where: string): RoutingRules {
  const obj = parseRecordJson('RoutingRules', where, data);
  const { rules, errors } = checkRoutingRules(obj);
  if (errors.length > 0) throw badRecord('RoutingRules', where, errors.join('; '));
  return { ...rules, rules: rules.rules ?? [] };
}

export function decodeSrvVSchema(data: Buffer | string, where: string): SrvVSchema {
  const r = new RecordReader(parseRecordJson('SrvVSchema', where, data), 'SrvVSchema', where);
  const keyspaces: Record<string, KeyspaceVSchema> = {};
  for (const [name, v] of Object.entries(r.object('keyspaces') ?? {})) {
    const errors: string[] = [];
    keyspaces[name] = readKeyspaceVSchema(v, errors);
    if (errors.length > 0) throw badRecord('SrvVSchema', where, `keyspace ${name}: ${errors.join('; ')}`);
  }
  const rr = r.object('routing_rules');
  const routing = rr === undefined ? { rules: [] } : decodeRoutingRules(JSON.stringify(rr), `${where} routing_rules`);
  const srr = r.child('shard_routing_rules');
  return {
    ...r.obj,
    keyspaces,
    routing_rules: routing,
    ...(srr === undefined
      ? {}
      : {
          shard_routing_rules: {
            ...srr.obj,
            rules: srr.array('rules', (c) => ({
              ...c.obj,
              from_keyspace: c.string('from_keyspace', ''),
              to_keyspace: c.string('to_keyspace', ''),
              shard: c.string('shard', ''),
            })),
          },
        }),
  };
}
