/** A valid trunk utilization event without labels: the common shape producers send. */
export const VALID_EVENT = {
  schemaVersion: 1,
  trunkId: 'sg-byoc-01',
  trunkGroup: 'sg-byoc',
  region: 'apac',
  site: 'sg1',
  eventTime: '2026-11-29T02:00:00+08:00',
  activeCalls: 24,
  capacity: 30,
} as const;
