import { parseInstant, toWire } from '../time/instant.js';
import type { Activity, ActivityType } from '../wfm/contract.js';

/**
 * Activities as half-open UTC millisecond intervals that tile a shift. Pure helpers for
 * the mutations: move a shift's bounds, or turn some blocks into on-queue time.
 */
export interface Block {
  type: ActivityType;
  start: number;
  end: number;
}

export function toBlocks(activities: readonly Activity[]): Block[] {
  return activities.map((a) => ({ type: a.type, start: parseInstant(a.start), end: parseInstant(a.end) }));
}

/** Back to the wire: UTC with `Z`, whatever offset the input carried. */
export function fromBlocks(blocks: readonly Block[]): Activity[] {
  return blocks.map((b) => ({ type: b.type, start: toWire(b.start), end: toWire(b.end) }));
}

/** Joins neighbours of the same type, so a converted block does not leave a seam. */
export function mergeAdjacent(blocks: readonly Block[]): Block[] {
  const out: Block[] = [];
  for (const b of blocks) {
    const last = out.at(-1);
    if (last && last.type === b.type && last.end === b.start) last.end = b.end;
    else out.push({ ...b });
  }
  return out;
}

/**
 * Moves the shift to [start, end): blocks are clipped to it, and new time at either edge
 * becomes on-queue time, joined to an on-queue block already at that edge. This is what
 * "extend the shift by 30 minutes" means to a contact center: 30 more minutes on the phones.
 */
export function reboundBlocks(blocks: readonly Block[], start: number, end: number): Block[] {
  const clipped: Block[] = [];
  for (const b of blocks) {
    const s = Math.max(b.start, start);
    const e = Math.min(b.end, end);
    if (e > s) clipped.push({ type: b.type, start: s, end: e });
  }
  const first = clipped[0];
  if (!first) return [{ type: 'on-queue', start, end }];
  if (first.start > start) clipped.unshift({ type: 'on-queue', start, end: first.start });
  const last = clipped.at(-1)!;
  if (last.end < end) clipped.push({ type: 'on-queue', start: last.end, end });
  return mergeAdjacent(clipped);
}

/** Every part of a block of `types` that lies in [from, to) becomes on-queue; the rest is untouched. */
export function convertToOnQueue(
  blocks: readonly Block[],
  from: number,
  to: number,
  types: readonly ActivityType[],
): Block[] {
  const out: Block[] = [];
  for (const b of blocks) {
    if (!types.includes(b.type) || b.end <= from || b.start >= to) {
      out.push({ ...b });
      continue;
    }
    const s = Math.max(b.start, from);
    const e = Math.min(b.end, to);
    if (b.start < s) out.push({ type: b.type, start: b.start, end: s });
    out.push({ type: 'on-queue', start: s, end: e });
    if (e < b.end) out.push({ type: b.type, start: e, end: b.end });
  }
  return mergeAdjacent(out);
}

/** True when some block of `types` overlaps [from, to). */
export function hasTypeIn(
  blocks: readonly Block[],
  from: number,
  to: number,
  types: readonly ActivityType[],
): boolean {
  return blocks.some((b) => types.includes(b.type) && b.start < to && from < b.end);
}
