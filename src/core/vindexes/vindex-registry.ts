/**
 * The catalogue of vindex TYPES vt knows, with the facts VSchema validation needs: whether the vindex maps a
 * value to at most one keyspace id (unique: it may be a table's primary vindex), whether it is backed by a
 * lookup table (and so may be owned), and which params it requires or accepts. Types and params follow
 * Vitess; the keyspace-id functions themselves live in their own modules.
 */
export interface VindexTypeInfo {
  readonly type: string;
  readonly unique: boolean;
  readonly lookup: boolean;
  /** Params that must be present. */
  readonly required: readonly string[];
  /** Groups of params of which at least one must be present (numeric_static_map: json_path or json). */
  readonly requiredOneOf: readonly (readonly string[])[];
  /** Params accepted in addition to the required ones; others are reported as unknown (a warning). */
  readonly optional: readonly string[];
}

const LOOKUP_REQUIRED = ['table', 'from', 'to'] as const;
const LOOKUP_OPTIONAL = [
  'autocommit',
  'multi_shard_autocommit',
  'write_only',
  'ignore_nulls',
  'batch_lookup',
  'read_lock',
] as const;
const CONSISTENT_OPTIONAL = ['write_only', 'ignore_nulls', 'batch_lookup', 'read_lock'] as const;

function info(
  type: string,
  unique: boolean,
  opts: Partial<Pick<VindexTypeInfo, 'lookup' | 'required' | 'requiredOneOf' | 'optional'>> = {},
): VindexTypeInfo {
  return Object.freeze({
    type,
    unique,
    lookup: opts.lookup ?? false,
    required: opts.required ?? [],
    requiredOneOf: opts.requiredOneOf ?? [],
    optional: opts.optional ?? [],
  });
}

const CATALOGUE: ReadonlyMap<string, VindexTypeInfo> = new Map(
  [
    info('hash', true),
    info('xxhash', true),
    info('numeric', true),
    info('numeric_static_map', true, { requiredOneOf: [['json_path', 'json']], optional: ['fallback_type'] }),
    info('binary', true),
    info('binary_md5', true),
    info('unicode_loose_md5', true),
    info('unicode_loose_xxhash', true),
    info('reverse_bits', true),
    info('null', true),
    info('region_experimental', true, { required: ['region_bytes'] }),
    info('region_json', true, { required: ['region_map', 'region_bytes'] }),
    info('lookup', false, { lookup: true, required: LOOKUP_REQUIRED, optional: LOOKUP_OPTIONAL }),
    info('lookup_hash', false, { lookup: true, required: LOOKUP_REQUIRED, optional: LOOKUP_OPTIONAL }),
    info('lookup_unique', true, { lookup: true, required: LOOKUP_REQUIRED, optional: LOOKUP_OPTIONAL }),
    info('lookup_hash_unique', true, { lookup: true, required: LOOKUP_REQUIRED, optional: LOOKUP_OPTIONAL }),
    info('consistent_lookup', false, { lookup: true, required: LOOKUP_REQUIRED, optional: CONSISTENT_OPTIONAL }),
    info('consistent_lookup_unique', true, {
      lookup: true,
      required: LOOKUP_REQUIRED,
      optional: CONSISTENT_OPTIONAL,
    }),
    info('cfc', true, { optional: ['hash', 'offsets'] }),
    info('multicol', true, { required: ['column_count'], optional: ['column_bytes', 'column_vindex'] }),
  ].map((i) => [i.type, i]),
);

/** The catalogue entry for a vindex type, or undefined when vt does not know the type. */
export function vindexTypeInfo(type: string): VindexTypeInfo | undefined {
  return CATALOGUE.get(type);
}

/** All known vindex type names, sorted. */
export function vindexTypeNames(): string[] {
  return [...CATALOGUE.keys()].sort();
}
