import { z } from 'zod';
import { Config } from '../src/config/schema.js';
import { TrunkEvent } from '../src/events/trunk-event.js';
import { Adjustment } from '../src/planner/adjustment.js';
import { RulesFile } from '../src/rules/schema.js';
import { RulesTestFile } from '../src/rules-test/schema.js';
import { buildOpenApi } from '../src/wfm/openapi.js';
import { Outcome } from '../src/writer/outcome.js';

/** file name in schemas/ → its text. Add a line per generated schema. */
export function renderSchemas(): Array<[string, string]> {
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const out: Array<[string, string]> = [];
  out.push(['wfm-openapi.json', json(buildOpenApi())]);
  // --- rules engine & events (issue 4): add entries below this line ---
  // io 'input': what a person writes (fields with defaults are optional), not what the parser returns
  out.push(['rules.schema.json', json(z.toJSONSchema(RulesFile, { io: 'input' }))]);
  out.push(['trunk-event.schema.json', json(z.toJSONSchema(TrunkEvent, { io: 'input' }))]);
  // rules test files (`trunk-reactor test`), as a person writes them
  out.push(['rules-test.schema.json', json(z.toJSONSchema(RulesTestFile, { io: 'input' }))]);
  // --- the adjustments and outcomes topics' record shapes, and the service config ---
  out.push(['adjustment.schema.json', json(z.toJSONSchema(Adjustment))]);
  out.push(['outcome.schema.json', json(z.toJSONSchema(Outcome))]);
  out.push(['config.schema.json', json(z.toJSONSchema(Config, { io: 'input' }))]);
  return out;
}
