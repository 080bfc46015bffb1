import type { Change } from './change.js';
import type { Org } from './org.js';
import type { GenesysReads } from './reads.js';
import type { ScheduleRef } from './schedules.js';

/**
 * What a `Complete` result tells without a read: the schedule's new version, and the agents it
 * names as changed. Each such agent of an update is taken to hold exactly what was uploaded, at
 * the version it was sent with + 1 — the emulation's reading, unverified on a real org
 * (docs/wfm-genesys-cloud.md, "What the client assumes"). A wrong guess costs no correctness:
 * the next upload touching the agent then fails on its version, and the agent is read back.
 * Agents of swaps are not taken so (their new shifts have ids only Genesys knows), nor agents
 * it does not name. Returns the agents settled (the caller reads back the others) and the
 * agents the result names as changed.
 */
export function keepCompleted(
  result: unknown,
  batch: readonly Change[],
  schedule: ScheduleRef,
  ctx: { reads: GenesysReads; org: Org; now: number; clientId: string },
): { settled: Set<string>; changed: Set<unknown> } {
  const r = result as {
    metadata?: { version?: unknown };
    managementUnits?: Array<{ agents?: Array<{ id?: unknown }> }>;
  };
  if (typeof r?.metadata?.version === 'number') ctx.reads.noteVersion(schedule.id, r.metadata.version);
  const copies = ctx.reads.copies;
  const changed = new Set((r?.managementUnits ?? []).flatMap((m) => (m.agents ?? []).map((a) => a.id)));
  const swapped = new Set(batch.flatMap((c) => (c.swap ? c.users : [])));
  const settled = new Set<string>();
  for (const c of batch) {
    if (!c.update || !changed.has(c.update.userId)) continue;
    const u = c.update.userId;
    const before = copies.get(schedule.id, u);
    if (!before || swapped.has(u)) continue;
    copies.keep(
      {
        ...before,
        version: (c.sent.get(u) ?? before.version) + 1,
        shifts: (c.uploaded.get(u) ?? []).map((x) => ({
          id: x.id!,
          startDate: x.startDate!,
          lengthMinutes: x.lengthMinutes!,
          activities: (x.activities ?? []).map((a) => ({ ...a })),
          manuallyEdited: x.manuallyEdited ?? false,
        })),
        updatedAt: new Date(ctx.now).toISOString(),
        updatedBy: ctx.clientId,
      },
      ctx.org,
    );
    settled.add(u);
  }
  return { settled, changed };
}
