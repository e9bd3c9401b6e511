/** Vitess tablet types (topodata.TabletType names). */
export const TABLET_TYPES = ['PRIMARY', 'REPLICA', 'RDONLY', 'SPARE', 'BACKUP', 'RESTORE', 'DRAINED'] as const;
export type TabletType = (typeof TABLET_TYPES)[number];

/** The types the gate serves queries from, in the order SrvKeyspace partitions are listed. */
export const SERVING_TABLET_TYPES = ['PRIMARY', 'REPLICA', 'RDONLY'] as const satisfies readonly TabletType[];
export type ServingTabletType = (typeof SERVING_TABLET_TYPES)[number];

/** Parses a type case-insensitively ('replica', 'Primary'); undefined when it is not a tablet type. */
export function parseTabletType(text: string): TabletType | undefined {
  const up = text.toUpperCase();
  return (TABLET_TYPES as readonly string[]).includes(up) ? (up as TabletType) : undefined;
}
