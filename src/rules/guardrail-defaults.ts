import { parseDuration } from './duration.js';
import type { Guardrails } from './schema.js';

/** Guardrails after defaults are applied, in milliseconds and counts. */
export interface ResolvedGuardrails {
  maxShiftLengthMs: number;
  minShiftLengthMs: number;
  minRestMs: number;
  maxAdjustmentsPerAgentPerDay: number;
  maxAdjustmentsPerAgentPerWeek: number;
  maxAgentsPerTeamPerHour: number;
  noShortenWithinMs: number;
}

/** Every guardrail's default, in one place (units in the names). */
export const DEFAULT_GUARDRAILS: ResolvedGuardrails = {
  maxShiftLengthMs: 12 * 3_600_000,
  minShiftLengthMs: 4 * 3_600_000,
  minRestMs: 8 * 3_600_000,
  maxAdjustmentsPerAgentPerDay: 1,
  maxAdjustmentsPerAgentPerWeek: 3,
  maxAgentsPerTeamPerHour: 5,
  noShortenWithinMs: 60 * 60_000,
};

/** rule guardrails, over file defaults, over DEFAULT_GUARDRAILS — key by key. */
export function resolveGuardrails(...layers: Array<Guardrails | undefined>): ResolvedGuardrails {
  const out = { ...DEFAULT_GUARDRAILS };
  for (const g of layers) {
    if (!g) continue;
    if (g.maxShiftLength !== undefined) out.maxShiftLengthMs = parseDuration(g.maxShiftLength)!;
    if (g.minShiftLength !== undefined) out.minShiftLengthMs = parseDuration(g.minShiftLength)!;
    if (g.minRest !== undefined) out.minRestMs = parseDuration(g.minRest)!;
    if (g.maxAdjustmentsPerAgentPerDay !== undefined)
      out.maxAdjustmentsPerAgentPerDay = g.maxAdjustmentsPerAgentPerDay;
    if (g.maxAdjustmentsPerAgentPerWeek !== undefined)
      out.maxAdjustmentsPerAgentPerWeek = g.maxAdjustmentsPerAgentPerWeek;
    if (g.maxAgentsPerTeamPerHour !== undefined) out.maxAgentsPerTeamPerHour = g.maxAgentsPerTeamPerHour;
    if (g.noShortenWithin !== undefined) out.noShortenWithinMs = parseDuration(g.noShortenWithin)!;
  }
  return out;
}
