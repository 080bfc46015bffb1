import { DateTime } from 'luxon';
import type { IsoWeekday } from '../../time/schedule-week.js';
import { scheduleWeekOf } from '../../time/schedule-week.js';
import type { ActivityType } from '../contract.js';
import { WfmBadResponseError } from '../errors.js';
import { type ActivityCode, ActivityCodeTable, CATEGORIES, type TypePlacement } from './activity-codes.js';
import type { GenesysHttp } from './http.js';

export const WFM_PATH = '/api/v2/workforcemanagement';

const DAYS = ['Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday', 'Sunday'] as const;

/** Where the project's team ids come from: the Teams API, management units, or a fixed map. */
export type TeamSource =
  | { kind: 'teams-api' }
  | { kind: 'management-units' }
  | { kind: 'map'; teams: Record<string, string[]> };

export interface Member {
  id: string;
  name: string;
}

/**
 * What the backend learns of an org once, at its first call: the BU's zone and week start,
 * its management units and their users, its activity codes. Teams are read when first asked
 * for (the Teams API has no list of the teams a rules file names, so each is read by id).
 */
export class Org {
  readonly zone: string;
  readonly weekStart: IsoWeekday;
  readonly codes: ActivityCodeTable;
  readonly activityCodes: ActivityCode[];
  /** management unit id → user ids */
  readonly units: Map<string, string[]>;
  readonly #unitOf = new Map<string, string>();
  readonly #teamOf = new Map<string, string>();
  readonly #teams = new Map<string, { members: Member[]; readAt: number }>();

  private constructor(
    readonly businessUnitId: string,
    settings: { zone: string; weekStart: IsoWeekday },
    units: Map<string, string[]>,
    codes: ActivityCode[],
    placements: Partial<Record<ActivityType, TypePlacement>>,
    private readonly teamSource: TeamSource,
  ) {
    this.zone = settings.zone;
    this.weekStart = settings.weekStart;
    this.units = units;
    for (const [mu, users] of units) for (const u of users) this.#unitOf.set(u, mu);
    this.activityCodes = codes;
    this.codes = new ActivityCodeTable(codes, placements);
    if (teamSource.kind === 'map') {
      for (const [team, users] of Object.entries(teamSource.teams)) {
        this.#teams.set(team, { members: users.map((id) => ({ id, name: id })), readAt: Infinity });
        for (const u of users) this.#teamOf.set(u, team);
      }
    }
  }

  static async discover(
    http: GenesysHttp,
    businessUnitId: string,
    placements: Partial<Record<ActivityType, TypePlacement>>,
    teamSource: TeamSource,
  ): Promise<Org> {
    const bu = encodeURIComponent(businessUnitId);
    const [settings, units, codes] = await Promise.all([
      http.api({
        method: 'GET',
        path: `${WFM_PATH}/businessunits/${bu}`,
        query: { expand: 'settings' },
      }),
      http.api({ method: 'GET', path: `${WFM_PATH}/businessunits/${bu}/managementunits` }),
      http.api({ method: 'GET', path: `${WFM_PATH}/businessunits/${bu}/activitycodes` }),
    ]);
    const s = (settings as { settings?: { timeZone?: unknown; startDayOfWeek?: unknown } })?.settings;
    const day = DAYS.indexOf(s?.startDayOfWeek as (typeof DAYS)[number]);
    if (typeof s?.timeZone !== 'string' || !DateTime.local().setZone(s.timeZone).isValid || day < 0) {
      throw new WfmBadResponseError(
        `business unit '${businessUnitId}' answered without a usable settings.timeZone and settings.startDayOfWeek (got ${JSON.stringify({ timeZone: s?.timeZone, startDayOfWeek: s?.startDayOfWeek })})`,
      );
    }
    const unitIds = entities(units).map((u) => String(u.id));
    const users = await Promise.all(
      unitIds.map((mu) =>
        http.api({ method: 'GET', path: `${WFM_PATH}/managementunits/${encodeURIComponent(mu)}/users` }),
      ),
    );
    const unitMap = new Map(unitIds.map((mu, i) => [mu, entities(users[i]).map((u) => String(u.id))]));
    const codeList = (await allCodes(http, codes)).flatMap((c): ActivityCode[] => {
      const category = CATEGORIES.find((k) => k === c.category);
      if (!category || typeof c.id !== 'string') return [];
      return [
        {
          id: c.id,
          name: typeof c.name === 'string' ? c.name : '',
          active: c.active !== false,
          defaultCode: c.defaultCode === true,
          category,
        },
      ];
    });
    return new Org(
      businessUnitId,
      { zone: s.timeZone, weekStart: (day + 1) as IsoWeekday },
      unitMap,
      codeList,
      placements,
      teamSource,
    );
  }

  unitOf(userId: string): string | undefined {
    return this.#unitOf.get(userId);
  }

  /** The project's team of a user: its team when one has been read, else its management unit. */
  teamOf(userId: string): string {
    return this.#teamOf.get(userId) ?? this.#unitOf.get(userId) ?? 'unassigned';
  }

  /** The schedule week (first local day in the BU's zone) an instant falls in. */
  weekOf(ms: number): string {
    return scheduleWeekOf(ms, this.zone, this.weekStart);
  }

  /** Every week id from the week of `from` to that of `to` (exclusive end), in order. */
  weeksBetween(from: number, to: number): string[] {
    const out: string[] = [];
    let week = DateTime.fromISO(this.weekOf(from), { zone: this.zone });
    const last = this.weekOf(Math.max(from, to - 1));
    for (let i = 0; i < 60; i++) {
      const id = week.toISODate()!;
      out.push(id);
      if (id >= last) break;
      week = week.plus({ weeks: 1 });
    }
    return out;
  }

  /** The members of a team, read once a minute at most. */
  async members(http: GenesysHttp, teamId: string, now: number, signal?: AbortSignal): Promise<Member[]> {
    const known = this.#teams.get(teamId);
    if (known && now - known.readAt < 60_000) return known.members;
    let members: Member[];
    if (this.teamSource.kind === 'management-units') {
      members = (this.units.get(teamId) ?? []).map((id) => ({ id, name: id }));
    } else if (this.teamSource.kind === 'map') {
      members = [];
    } else {
      members = [];
      let path: string | undefined = `/api/v2/teams/${encodeURIComponent(teamId)}/members`;
      let query: Record<string, string | number> | undefined = { pageSize: 100 };
      for (let page = 0; path && page < 100; page++) {
        const body = (await http.api({
          method: 'GET',
          path,
          ...(query ? { query } : {}),
          ...(signal ? { signal } : {}),
        })) as {
          entities?: Array<{ id?: unknown; name?: unknown }>;
          nextUri?: unknown;
        };
        for (const e of body?.entities ?? [])
          if (typeof e.id === 'string')
            members.push({ id: e.id, name: typeof e.name === 'string' ? e.name : e.id });
        const next = typeof body?.nextUri === 'string' ? new URL(body.nextUri, 'http://x') : undefined;
        path = next?.pathname;
        query = next ? Object.fromEntries(next.searchParams) : undefined;
      }
    }
    for (const m of members) this.#teamOf.set(m.id, teamId);
    this.#teams.set(teamId, { members, readAt: now });
    return members;
  }
}

function entities(body: unknown): Array<Record<string, unknown>> {
  const list = (body as { entities?: unknown })?.entities;
  return Array.isArray(list) ? (list as Array<Record<string, unknown>>) : [];
}

/** The activity code listing, inline or behind its downloadUrl. */
async function allCodes(http: GenesysHttp, listing: unknown): Promise<Array<Record<string, unknown>>> {
  const url = (listing as { downloadUrl?: unknown })?.downloadUrl;
  if (typeof url === 'string' && entities(listing).length === 0) {
    const got = await http.storage('GET', url);
    return entities(got.body);
  }
  return entities(listing);
}
