import { z } from 'zod';
import { Instant } from '../wfm/contract.js';

/**
 * One sample of one BYOC trunk, as producers put it on the wire (version 1).
 * The schema version is a required field rather than a header so a file of events
 * (`plan --events`) carries it too; a new shape gets a new literal, never a silent change.
 */
export const TRUNK_EVENT_SCHEMA_VERSION = 1;

const Name = z
  .string()
  .min(1)
  .max(200)
  .regex(/^[^\s]+$/, { message: 'must not contain whitespace' });

export const TrunkEvent = z
  .strictObject({
    schemaVersion: z.literal(TRUNK_EVENT_SCHEMA_VERSION).describe('always 1 for this shape'),
    trunkId: Name.describe('the Kafka message key: one trunk, e.g. sg-byoc-07'),
    trunkGroup: Name.describe('e.g. sg-byoc'),
    region: Name.describe('e.g. apac'),
    site: Name.describe('e.g. sg-equinix-sg1'),
    labels: z
      .record(
        z
          .string()
          .regex(/^[a-zA-Z][a-zA-Z0-9_.-]{0,62}$/, { message: 'label names are [a-zA-Z][a-zA-Z0-9_.-]*' }),
        z.string().max(200),
      )
      .optional()
      .describe('free-form labels rules can select on, e.g. {carrier: singtel}'),
    eventTime: Instant.describe('when the sample was taken, with an explicit offset'),
    activeCalls: z.number().int().min(0).max(1_000_000).describe('calls up on the trunk at eventTime'),
    capacity: z.number().int().min(1).max(1_000_000).describe('concurrent calls the trunk can carry'),
  })
  .meta({
    id: 'TrunkEvent',
    title: 'BYOC trunk utilization sample',
    description: 'One sample of one trunk; utilization = activeCalls / capacity is derived, never sent.',
    examples: [
      {
        schemaVersion: 1,
        trunkId: 'sg-byoc-01',
        trunkGroup: 'sg-byoc',
        region: 'apac',
        site: 'sg1',
        eventTime: '2026-11-27T09:00:00+08:00',
        activeCalls: 41,
        capacity: 50,
      },
    ],
  });
export type TrunkEvent = z.infer<typeof TrunkEvent>;

/**
 * The decoded, engine-facing form: the event time as epoch ms and utilization derived.
 * A plain object with a fixed shape, so V8 keeps every sample on one hidden class.
 */
export interface TrunkSample {
  trunkId: string;
  trunkGroup: string;
  region: string;
  site: string;
  labels: Readonly<Record<string, string>> | undefined;
  /** epoch milliseconds */
  time: number;
  activeCalls: number;
  capacity: number;
  /** activeCalls / capacity, in [0, 1] */
  utilization: number;
}

/** What a sample is made of: an accepted event's fields, its time as epoch ms. */
export type SampleFields = Omit<TrunkSample, 'utilization'>;

/** The sample of an accepted event: the one place utilization is derived. */
export function toSample(f: SampleFields): TrunkSample {
  return {
    trunkId: f.trunkId,
    trunkGroup: f.trunkGroup,
    region: f.region,
    site: f.site,
    labels: f.labels,
    time: f.time,
    activeCalls: f.activeCalls,
    capacity: f.capacity,
    utilization: f.activeCalls / f.capacity,
  };
}
