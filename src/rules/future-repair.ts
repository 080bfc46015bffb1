import type { EngineSnapshot } from './engine-snapshot.js';

/** What a restore found beyond the future bound and put right (for one log line). */
export interface FutureRepair {
  /** now + the future bound at the restore, epoch ms */
  limit: number;
  /** waiting samples stamped beyond it, dropped */
  droppedSamples: number;
  /** members whose newest time was beyond it, forgotten (engine and group sums) */
  droppedMembers: string[];
  /** the watermark and released mark, before and after, when they were beyond it */
  watermark?: { from: number; to: number | null };
  released?: { from: number; to: number | null };
}

/**
 * A restored state is not trusted to lie in the past: a state saved before the future
 * bound existed (or by a host whose clock ran ahead) may hold a sample stamped years
 * ahead, a watermark it dragged there, and members standing there — which would make every
 * later sample of the partition late, for good. Whatever lies beyond `limit` (now + the
 * future bound) is dropped, and the watermark and released mark are brought back to the
 * newest time the state knows from before the limit: the released mark to the newest
 * sample evaluated, the watermark to the newest sample known minus the allowed lateness. Windows and rule states are kept as they are: they only hold samples that
 * were evaluated, which a future sample never is (it waits for a watermark that never
 * reaches it). Returns the state unchanged and no repair when nothing lies beyond.
 */
export function repairFuture(
  snap: EngineSnapshot,
  limit: number,
  allowedLatenessMs: number,
): { snapshot: EngineSnapshot; repair: FutureRepair | undefined } {
  const ahead = (t: number | null | undefined) => t !== null && t !== undefined && t > limit;
  const buffer = snap.buffer.filter((s) => !ahead(s[5]));
  const droppedMembers = new Set<string>();
  const members = snap.members.filter(([id, t]) => {
    if (ahead(t)) droppedMembers.add(id);
    return !ahead(t);
  });
  const series = snap.series.map((s) => ({
    ...s,
    keys: s.keys.map((k) => {
      if (!k.members?.some(([, t]) => ahead(t))) return k;
      for (const [id, t] of k.members) if (ahead(t)) droppedMembers.add(id);
      return { ...k, members: k.members.filter(([, t]) => !ahead(t)) };
    }),
  }));
  const wBeyond = ahead(snap.watermark);
  const rBeyond = ahead(snap.released?.[0]);
  const maxBeyond = ahead(snap.maxTime);
  if (
    buffer.length === snap.buffer.length &&
    droppedMembers.size === 0 &&
    !wBeyond &&
    !rBeyond &&
    !maxBeyond
  ) {
    return { snapshot: snap, repair: undefined };
  }
  // the newest sample evaluated (group sums and windows), and the newest known at all
  let evaluated = Number.NEGATIVE_INFINITY;
  for (const s of series) {
    for (const k of s.keys) {
      for (const [, t] of k.members ?? []) evaluated = Math.max(evaluated, t);
      for (const w of k.windows) {
        const t = w.times[w.times.length - 1];
        if (t !== undefined && !ahead(t)) evaluated = Math.max(evaluated, t);
      }
    }
  }
  let known = evaluated;
  for (const s of buffer) known = Math.max(known, s[5]);
  for (const [, t] of members) known = Math.max(known, t);
  const finite = (t: number) => (Number.isFinite(t) ? t : null);
  const watermark = wBeyond ? finite(known - allowedLatenessMs) : snap.watermark;
  const released: EngineSnapshot['released'] = rBeyond
    ? Number.isFinite(evaluated)
      ? [evaluated, null]
      : null
    : snap.released;
  const repair: FutureRepair = {
    limit,
    droppedSamples: snap.buffer.length - buffer.length,
    droppedMembers: [...droppedMembers].sort(),
    ...(wBeyond ? { watermark: { from: snap.watermark!, to: watermark } } : {}),
    ...(rBeyond ? { released: { from: snap.released![0], to: released?.[0] ?? null } } : {}),
  };
  return {
    snapshot: {
      ...snap,
      maxTime: maxBeyond ? finite(known) : snap.maxTime,
      watermark,
      released,
      members,
      buffer,
      series,
    },
    repair,
  };
}
