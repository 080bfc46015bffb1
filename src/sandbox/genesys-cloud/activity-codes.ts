import { createHash } from 'node:crypto';
import { CATEGORIES, type Category, type GActivityCode } from './model.js';

/** A stable UUID-shaped id for a name: the emulation's ids look like Genesys ids and repeat across runs. */
export function stableId(name: string): string {
  const h = createHash('sha1').update(name).digest('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-4${h.slice(13, 16)}-a${h.slice(17, 20)}-${h.slice(20, 32)}`;
}

const PAID: Record<Category, boolean> = {
  OnQueueWork: true,
  Break: true,
  Meal: false,
  Meeting: true,
  OffQueueWork: true,
  TimeOff: true,
  Training: true,
  Unavailable: false,
};

function code(
  id: string,
  name: string,
  category: Category,
  defaultCode: boolean,
  active = true,
): GActivityCode {
  return {
    id,
    name,
    active,
    defaultCode,
    category,
    lengthInMinutes: category === 'Break' ? 15 : category === 'Meal' ? 30 : 60,
    countsAsPaidTime: PAID[category],
    countsAsWorkTime: category !== 'Meal' && category !== 'TimeOff' && category !== 'Unavailable',
    countsTowardShrinkage: category !== 'OnQueueWork',
    plannedShrinkage: category !== 'OnQueueWork' && category !== 'Unavailable',
    interruptible: false,
    version: 1,
  };
}

/**
 * A business unit's activity codes: one default code per category, with an empty name as Genesys
 * creates them, plus codes a real org has beside them, so that a client must resolve a code by
 * `category` + `defaultCode` + `active` and never by name or position: a second on-queue code
 * ("Email"), a coaching code filed under Meeting, and a deleted training code.
 * `ids: 'enum-order'` gives the default codes the ids "0".."7" in the enum's order (the unverified
 * reading of a forum example); 'opaque' gives every code an id like a real one.
 */
export function activityCodesFor(businessUnitId: string, ids: 'opaque' | 'enum-order'): GActivityCode[] {
  const defaults = CATEGORIES.map((category, i) =>
    code(
      ids === 'enum-order' ? String(i) : stableId(`${businessUnitId}/default/${category}`),
      '',
      category,
      true,
    ),
  );
  return [
    ...defaults,
    code(stableId(`${businessUnitId}/email`), 'Email', 'OnQueueWork', false),
    code(stableId(`${businessUnitId}/coaching`), 'Coaching', 'Meeting', false),
    code(
      stableId(`${businessUnitId}/old-training`),
      'Classroom training (retired)',
      'Training',
      false,
      false,
    ),
  ];
}
