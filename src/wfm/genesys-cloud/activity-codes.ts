import type { ActivityType } from '../contract.js';

/** Genesys' activity code categories (the SDK's enum). */
export const CATEGORIES = [
  'OnQueueWork',
  'Break',
  'Meal',
  'Meeting',
  'OffQueueWork',
  'TimeOff',
  'Training',
  'Unavailable',
] as const;
export type Category = (typeof CATEGORIES)[number];

export interface ActivityCode {
  id: string;
  name: string;
  active: boolean;
  defaultCode: boolean;
  category: Category;
}

/** Where each of the project's activity types lives among a BU's codes. */
export interface TypePlacement {
  category: Category;
  /** a code of that category with this name (case-insensitive); absent: the category's default code */
  name?: string;
}

export const DEFAULT_PLACEMENTS: Record<ActivityType, TypePlacement> = {
  'on-queue': { category: 'OnQueueWork' },
  break: { category: 'Break' },
  meal: { category: 'Meal' },
  training: { category: 'Training' },
  meeting: { category: 'Meeting' },
  coaching: { category: 'Meeting', name: 'Coaching' },
  'off-queue': { category: 'OffQueueWork' },
};

/** The type a category's codes read as when no placement names the code. */
const CATEGORY_TYPE: Record<Category, ActivityType> = {
  OnQueueWork: 'on-queue',
  Break: 'break',
  Meal: 'meal',
  Meeting: 'meeting',
  OffQueueWork: 'off-queue',
  TimeOff: 'off-queue',
  Training: 'training',
  Unavailable: 'off-queue',
};

export class ActivityCodeError extends Error {
  readonly code = 'TR_ERR_GENESYS_ACTIVITY_CODE';
  readonly retriable = false;
  constructor(message: string) {
    super(message);
    this.name = 'ActivityCodeError';
  }
}

/**
 * The BU's activity codes as the mapping needs them: every code (active or not, since old
 * shifts may carry a deleted one) read as one of the project's types, and each type written
 * as one active code — found by category and `defaultCode`, or by category and name where a
 * placement names one, never by id (ids differ between orgs).
 */
export class ActivityCodeTable {
  readonly #typeOf = new Map<string, ActivityType>();
  readonly #codeOf = new Map<ActivityType, string>();
  /** types whose named code the BU lacks: written with the category's default code, read back as that category's type */
  readonly fallbacks: Array<{ type: ActivityType; wanted: TypePlacement; readsAs: ActivityType }> = [];

  constructor(codes: ActivityCode[], placements: Partial<Record<ActivityType, TypePlacement>> = {}) {
    const wanted = { ...DEFAULT_PLACEMENTS, ...placements };
    const active = codes.filter((c) => c.active);
    for (const [type, place] of Object.entries(wanted) as Array<[ActivityType, TypePlacement]>) {
      const named =
        place.name !== undefined
          ? active.find(
              (c) => c.category === place.category && c.name.toLowerCase() === place.name!.toLowerCase(),
            )
          : undefined;
      const chosen = named ?? active.find((c) => c.category === place.category && c.defaultCode);
      if (!chosen) continue;
      if (place.name !== undefined && !named)
        this.fallbacks.push({ type, wanted: place, readsAs: CATEGORY_TYPE[place.category] });
      this.#codeOf.set(type, chosen.id);
      if (named) this.#typeOf.set(named.id, type);
    }
    for (const c of codes) if (!this.#typeOf.has(c.id)) this.#typeOf.set(c.id, CATEGORY_TYPE[c.category]);
  }

  /** The project's type of a code; a code the BU does not list reads as off-queue work. */
  typeOf(codeId: string): ActivityType {
    return this.#typeOf.get(codeId) ?? 'off-queue';
  }

  knows(codeId: string): boolean {
    return this.#typeOf.has(codeId);
  }

  /** The code written for a type; throws naming the category when the BU has none. */
  codeFor(type: ActivityType): string {
    const id = this.#codeOf.get(type);
    if (id === undefined) {
      const place = DEFAULT_PLACEMENTS[type];
      throw new ActivityCodeError(
        `the business unit has no active activity code for '${type}' (category ${place.category}${place.name ? ` named '${place.name}' or its default code` : ', default code'}); add one in WFM settings or map the type with wfm.genesysCloud.activityTypes`,
      );
    }
    return id;
  }

  /** Types the BU cannot write, for `wfm check`. */
  missing(): ActivityType[] {
    return (Object.keys(DEFAULT_PLACEMENTS) as ActivityType[]).filter((t) => !this.#codeOf.has(t));
  }
}
