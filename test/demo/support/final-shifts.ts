import type { DemoWfm } from '../../../src/demo/demo-wfm.js';
import type { Category } from '../../../src/sandbox/genesys-cloud/model.js';
import { parseInstant } from '../../../src/time/instant.js';
import type { ActivityType } from '../../../src/wfm/contract.js';

/**
 * What the sandboxes hold at the end of a demo, in terms both WFMs share: an agent's shifts as
 * "start–end type@start–end …", without ids (a Genesys swap re-creates its shifts under new
 * ids) or versions (the two count them per shift and per agent schedule).
 */
export type ShiftsByAgent = Map<string, string[]>;

const iso = (ms: number) => new Date(ms).toISOString();
const line = (start: number, end: number, activities: Array<[string, number, number]>) =>
  `${iso(start)}–${iso(end)} ${activities.map(([t, s, e]) => `${t}@${iso(s)}–${iso(e)}`).join(' ')}`;

/** The agents whose shifts the reactor wrote to the contract sandbox (both sides of a swap). */
export function agentsWritten(wfm: DemoWfm): string[] {
  if (wfm.kind !== 'contract') throw new TypeError('the contract sandbox names the shifts written');
  const ours = wfm.sandbox.sandbox.ledger
    .since(1)
    .entries.filter((e) => e.kind === 'patch' || e.kind === 'swap');
  return [...new Set(ours.flatMap((e) => [e.after.agentId, ...(e.before ? [e.before.agentId] : [])]))].sort();
}

export function finalShifts(wfm: DemoWfm, agents: readonly string[]): ShiftsByAgent {
  const out: ShiftsByAgent = new Map();
  if (wfm.kind === 'contract') {
    const store = wfm.sandbox.sandbox.store;
    for (const agentId of agents) {
      out.set(
        agentId,
        store
          .list({ agentId })
          .map((s) =>
            line(
              parseInstant(s.start),
              parseInstant(s.end),
              s.activities.map((a) => [a.type, parseInstant(a.start), parseInstant(a.end)]),
            ),
          )
          .sort(),
      );
    }
    return out;
  }
  const state = wfm.sandbox.wfm.store.state;
  const typeOf = new Map(state.activityCodes.map((c) => [c.id, typeOfCode(c.category, c.name)]));
  const published = state.schedules.filter((s) => s.published);
  for (const agentId of agents) {
    out.set(
      agentId,
      published
        .flatMap((s) => s.agents[agentId]?.shifts ?? [])
        .map((g) =>
          line(
            g.startDate,
            g.startDate + g.lengthMinutes * 60_000,
            g.activities.map((a) => [
              typeOf.get(a.activityCodeId) ?? `code ${a.activityCodeId}`,
              a.startDate,
              a.startDate + a.lengthMinutes * 60_000,
            ]),
          ),
        )
        .sort(),
    );
  }
  return out;
}

/** The seeded org files the project's activity types under these categories (seed.ts). */
function typeOfCode(category: Category, name: string): ActivityType | Category {
  if (category === 'Meeting' && name === 'Coaching') return 'coaching';
  const types: Partial<Record<Category, ActivityType>> = {
    OnQueueWork: 'on-queue',
    Break: 'break',
    Meal: 'meal',
    Training: 'training',
    Meeting: 'meeting',
    OffQueueWork: 'off-queue',
  };
  return types[category] ?? category;
}
