import { z } from 'zod';
import { ApiError } from '../api-error.js';
import type { RouteResult } from '../contract-routes.js';
import { validate } from '../contract-routes.js';
import { PlaybackTransitionError } from './trunk-playback.js';
import { MALFORMED_KINDS } from './trunk-produced.js';
import type { TrunkScenario } from './trunk-scenario.js';
import { SyntheticTimeline, TrunkScenarioError } from './trunk-timeline.js';
import { trunkToWire } from './trunk-wire.js';

const Play = z.strictObject({ speed: z.number().positive().max(1e9).optional() });
const Step = z.strictObject({ count: z.number().int().min(1).max(10_000_000).optional() });
const Synthetic = z.strictObject({
  instances: z.number().int().min(1).max(1_000_000),
  perSecond: z.number().positive().max(1_000).optional(),
  seconds: z
    .number()
    .positive()
    .max(30 * 86_400)
    .optional(),
  capacity: z.number().int().min(1).max(1_000_000).optional(),
});
const InstanceAdd = z.strictObject({ trunkBase: z.string().min(1) });
const Malformed = z.strictObject({
  count: z.number().int().min(0).max(1_000_000).optional(),
  kind: z.enum(MALFORMED_KINDS).optional(),
});
const BehaviourUpdate = z.strictObject({
  unknownTrunkIds: z.enum(['not-found', 'omit']).optional(),
  maxTrunkIds: z.number().int().min(1).optional(),
  pageSizeMax: z.number().int().min(1).optional(),
});

function count(params: URLSearchParams, name: string, fallback: number): number {
  const v = params.get(name);
  const n = v === null ? fallback : Number(v);
  if (!Number.isInteger(n) || n < 0)
    throw new ApiError('VALIDATION_ERROR', `query ${name} must be a whole number ≥ 0, got '${v}'`);
  return n;
}

/**
 * /_sandbox/trunks/*: the trunk metrics scenario's playback (play, pause, step, reset), a
 * synthetic load, what it produced, the mapping a bridge needs, and its faults (instances added
 * and removed while it plays, malformed notification bodies, a base left out of the mapping).
 * `path` is below /trunks, e.g. `/play`.
 */
export function trunkAdminRoute(
  trunks: TrunkScenario,
  method: string,
  path: string,
  params: URLSearchParams,
  body: unknown,
): RouteResult {
  const ok = (b: unknown): RouteResult => ({ status: 200, body: b });
  const parts = path.split('/').filter(Boolean);
  const route = `${method} /${parts.map((p, i) => (i === 1 && parts[0] === 'instances' ? ':id' : p)).join('/')}`;
  try {
    switch (route) {
      case 'GET /state':
        return ok(trunks.describe());
      case 'POST /play': {
        const published = trunks.play(validate(Play, body ?? {}).speed ?? 1);
        return ok({ published, ...trunks.describe() });
      }
      case 'POST /pause':
        trunks.pause();
        return ok(trunks.describe());
      case 'POST /step': {
        const published = trunks.step(validate(Step, body ?? {}).count ?? 1);
        return ok({ published, ...trunks.describe() });
      }
      case 'POST /reset':
        trunks.reset();
        return ok(trunks.describe());
      case 'POST /synthetic':
        trunks.load(new SyntheticTimeline(validate(Synthetic, body), trunks.edges, trunks.seed));
        return ok(trunks.describe());
      case 'GET /produced':
        return ok(trunks.produced.since(count(params, 'since', 1), count(params, 'limit', 10_000)));
      case 'GET /mapping': {
        const omit = (params.get('omit') ?? '').split(',').filter(Boolean);
        const bases = trunks.mapping(omit);
        // `trunks` keyed by trunk base id, as a bridge's config lists them; `trunkBases` with names
        const byId = bases.map(({ trunkBaseId, trunkBaseName: _, ...t }) => [trunkBaseId, t]);
        return ok({ trunks: Object.fromEntries(byId), trunkBases: bases });
      }
      case 'POST /instances': {
        const ref = validate(InstanceAdd, body).trunkBase;
        const added = trunks.addInstance(ref);
        if (!added) throw new ApiError('NOT_FOUND', `no trunk base ${ref} (give its id or name)`);
        return ok(trunkToWire(added.instance, added.base));
      }
      case 'DELETE /instances/:id': {
        const removed = trunks.removeInstance(parts[1]!);
        if (!removed) throw new ApiError('NOT_FOUND', `no trunk instance ${parts[1]}`);
        return ok({ removed: removed.id, trunkBaseId: removed.baseId });
      }
      case 'POST /malformed': {
        const m = validate(Malformed, body ?? {});
        trunks.injectMalformed(m.count ?? 1, m.kind ?? 'missing-calls');
        return ok({ malformedPending: m.count ?? 1, kind: m.kind ?? 'missing-calls' });
      }
      case 'GET /behaviour':
        return ok(trunks.behaviour);
      case 'PUT /behaviour': {
        const u = validate(BehaviourUpdate, body);
        trunks.behaviour = {
          ...trunks.behaviour,
          ...Object.fromEntries(Object.entries(u).filter(([, v]) => v !== undefined)),
        };
        return ok(trunks.behaviour);
      }
      default:
        throw new ApiError('NOT_FOUND', `no such admin endpoint: ${method} /_sandbox/trunks${path}`);
    }
  } catch (err) {
    if (err instanceof PlaybackTransitionError || err instanceof TrunkScenarioError)
      throw new ApiError('VALIDATION_ERROR', err.message);
    throw err;
  }
}
