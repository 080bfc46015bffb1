/** The bridge's states: starting → running ⇄ paused → stopping → stopped (bridge.ts). */
export type BridgeState = 'idle' | 'starting' | 'running' | 'paused' | 'stopping' | 'stopped';

/** What asked for a REST read of the trunks' latest samples. */
export type GapFillTrigger = 'start' | 'reconnect' | 'timer' | 'discovery' | 'resume' | 'malformed';

/** The bridge's own counters: plain numbers, read by the metrics at each scrape. */
export interface BridgeStats {
  samplesReceived: { notification: number; rest: number };
  skipped: { unmapped: number; duplicate: number; stale: number; unknownTrunk: number };
  malformed: { notification: number; rest: number };
  /** events made (handed to the outbox) */
  eventsMade: number;
  /** events Kafka has taken */
  eventsProduced: number;
  partialEvents: number;
  /** REST reads of the latest samples, by what asked for them */
  gapFills: Record<GapFillTrigger, number>;
  /** instance samples REST brought that no notification had */
  gapsFilled: number;
  pauses: number;
  rejectedTopics: number;
  discoveries: number;
}

export function emptyBridgeStats(): BridgeStats {
  return {
    samplesReceived: { notification: 0, rest: 0 },
    skipped: { unmapped: 0, duplicate: 0, stale: 0, unknownTrunk: 0 },
    malformed: { notification: 0, rest: 0 },
    eventsMade: 0,
    eventsProduced: 0,
    partialEvents: 0,
    gapFills: { start: 0, reconnect: 0, timer: 0, discovery: 0, resume: 0, malformed: 0 },
    gapsFilled: 0,
    pauses: 0,
    rejectedTopics: 0,
    discoveries: 0,
  };
}

/** Progress as the terminal line and the status read it. */
export interface BridgeProgress {
  state: BridgeState;
  bases: number;
  mappedBases: number;
  instances: number;
  channels: number;
  channelsOpen: number;
  samplesIn: number;
  eventsOut: number;
  buffered: number;
  /** age of the newest event Kafka took, at the moment it took it, milliseconds */
  lagMs: number | undefined;
}
