import type { ApiRequest, Route } from './api-request.js';
import { GenesysError } from './genesys-error.js';
import { byName, pageOf } from './paging.js';
import { requireAny } from './permissions.js';
import { TRUNK_PERMISSIONS } from './trunk-options.js';
import type { TrunkInstance } from './trunk-org.js';
import type { TrunkScenario } from './trunk-scenario.js';
import { EDGES, metricsToWire, trunkBaseToWire, trunkToWire } from './trunk-wire.js';

const TRUNK_TYPES = ['EXTERNAL', 'PHONE', 'EDGE'];

/** A comma-separated id list as a set; undefined when the parameter is absent. */
function idList(r: ApiRequest, name: string): Set<string> | undefined {
  const v = r.query.get(name);
  if (v === null) return undefined;
  return new Set(
    v
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
}

/** A boolean filter: undefined when absent, a 400 for anything but true or false. */
function boolFilter(r: ApiRequest, name: string): boolean | undefined {
  const v = r.query.get(name);
  if (v === null) return undefined;
  if (v === 'true' || v === 'false') return v === 'true';
  throw new GenesysError('invalid.value', `query ${name} must be true or false, got '${v}'`);
}

/**
 * The telephony routes a trunk-metrics client reads: trunks (the instances, one per base and
 * edge), trunk base settings, and trunk metrics, in bulk and one at a time. Each requires
 * `telephony:plugin:all`, as the SDK says.
 */
export function trunkRoutes(trunks: TrunkScenario): Route[] {
  const allow = (r: ApiRequest) => requireAny(r.principal, TRUNK_PERMISSIONS, `GET ${r.path}`);
  const instance = (id: string): TrunkInstance => {
    const i = trunks.org.instance(id);
    if (!i) throw new GenesysError('not.found', `trunk ${id} does not exist`);
    return i;
  };
  const base = (i: TrunkInstance) => trunks.org.base(i.baseId)!;
  return [
    {
      method: 'GET',
      pattern: `${EDGES}/trunks`,
      handle(r) {
        allow(r);
        const type = r.query.get('trunkType');
        if (type !== null && !TRUNK_TYPES.includes(type))
          throw new GenesysError(
            'invalid.value',
            `query trunkType must be one of ${TRUNK_TYPES.join(', ')}, got '${type}'`,
          );
        const baseIds = idList(r, 'trunkBaseId');
        const edgeIds = idList(r, 'edgeId');
        const items = trunks.org
          .instances()
          .filter(
            (i) =>
              (type === null || base(i).trunkType === type) &&
              (!baseIds || baseIds.has(i.baseId)) &&
              (!edgeIds || edgeIds.has(i.edge.id)),
          )
          .map((i) => ({ id: i.id, name: base(i).name, i }));
        const page = pageOf(byName(items, r), r, trunks.behaviour.pageSizeMax);
        const entities = page.entities as typeof items;
        return { status: 200, body: { ...page, entities: entities.map((e) => trunkToWire(e.i, base(e.i))) } };
      },
    },
    // before trunks/{trunkId}, which the same path would match
    {
      method: 'GET',
      pattern: `${EDGES}/trunks/metrics`,
      handle(r) {
        allow(r);
        const ids = [...(idList(r, 'trunkIds') ?? [])];
        if (ids.length === 0)
          throw new GenesysError(
            'invalid.value',
            'query trunkIds is required: a comma-separated list of trunk ids',
          );
        const max = trunks.behaviour.maxTrunkIds;
        if (ids.length > max)
          throw new GenesysError(
            'invalid.value',
            `query trunkIds names ${ids.length} trunks; one request takes at most ${max}: split the list`,
          );
        const unknown = ids.filter((id) => !trunks.org.instance(id));
        if (unknown.length > 0 && trunks.behaviour.unknownTrunkIds === 'not-found')
          throw new GenesysError('not.found', `trunks do not exist: ${unknown.join(', ')}`);
        const found = ids.flatMap((id) => {
          const i = trunks.org.instance(id);
          return i ? [metricsToWire(i, base(i))] : [];
        });
        return { status: 200, body: found };
      },
    },
    {
      method: 'GET',
      pattern: `${EDGES}/trunks/:trunkId`,
      handle(r, p) {
        allow(r);
        const i = instance(p.trunkId!);
        return { status: 200, body: trunkToWire(i, base(i)) };
      },
    },
    {
      method: 'GET',
      pattern: `${EDGES}/trunks/:trunkId/metrics`,
      handle(r, p) {
        allow(r);
        const i = instance(p.trunkId!);
        return { status: 200, body: metricsToWire(i, base(i)) };
      },
    },
    {
      method: 'GET',
      pattern: `${EDGES}/trunkbasesettings`,
      handle(r) {
        allow(r);
        const expand = idList(r, 'expand') ?? new Set<string>();
        for (const e of expand)
          if (e !== 'properties')
            throw new GenesysError('invalid.value', `query expand takes only properties, got '${e}'`);
        const name = r.query.get('name');
        const managed = boolFilter(r, 'managed');
        const recordingEnabled = boolFilter(r, 'recordingEnabled');
        boolFilter(r, 'ignoreHidden');
        // no emulated base is managed or records
        const items = trunks.org.bases.filter(
          (b) => (name === null || b.name === name) && managed !== true && recordingEnabled !== true,
        );
        const page = pageOf(byName(items, r), r, trunks.behaviour.pageSizeMax);
        const entities = (page.entities as typeof items).map((b) =>
          trunkBaseToWire(b, expand.has('properties')),
        );
        return { status: 200, body: { ...page, entities } };
      },
    },
    {
      method: 'GET',
      pattern: `${EDGES}/trunkbasesettings/:trunkBaseSettingsId`,
      handle(r, p) {
        allow(r);
        boolFilter(r, 'ignoreHidden');
        const b = trunks.org.base(p.trunkBaseSettingsId!);
        if (!b)
          throw new GenesysError('not.found', `trunk base settings ${p.trunkBaseSettingsId} do not exist`);
        return { status: 200, body: trunkBaseToWire(b, true) };
      },
    },
  ];
}
