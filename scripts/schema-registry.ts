import { z } from 'zod';
import { TrunkEvent } from '../src/events/trunk-event.js';
import { RulesFile } from '../src/rules/schema.js';
import { buildOpenApi } from '../src/wfm/openapi.js';

/** file name in schemas/ → its text. Add a line per generated schema. */
export function renderSchemas(): Array<[string, string]> {
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const out: Array<[string, string]> = [];
  out.push(['wfm-openapi.json', json(buildOpenApi())]);
  // --- rules engine & events (issue 4): add entries below this line ---
  // io 'input': what a person writes (fields with defaults are optional), not what the parser returns
  out.push(['rules.schema.json', json(z.toJSONSchema(RulesFile, { io: 'input' }))]);
  out.push(['trunk-event.schema.json', json(z.toJSONSchema(TrunkEvent, { io: 'input' }))]);
  return out;
}
