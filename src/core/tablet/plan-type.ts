/** Vitess's tablet plan type names; they key the per-plan stats and the `Plans` of query rules. */
export const PLAN_TYPES = [
  'Select',
  'SelectLock',
  'SelectNoTable',
  'SelectLockFunc',
  'Insert',
  'Update',
  'Delete',
  'DDL',
  'Set',
  'Show',
  'OtherRead',
  'OtherAdmin',
  'Savepoint',
  'Release',
  'SRollback',
  'LockTables',
  'UnlockTables',
  'CallProcedure',
  'Flush',
  'Load',
  'Begin',
  'Commit',
  'Rollback',
  'Use',
] as const;

export type PlanType = (typeof PLAN_TYPES)[number];

export function isPlanType(s: string): s is PlanType {
  return (PLAN_TYPES as readonly string[]).includes(s);
}
