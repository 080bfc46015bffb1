import { z } from 'zod';
import { buildOpenApi } from '../src/wfm/openapi.js';

/** file name in schemas/ → its text. Add a line per generated schema. */
export function renderSchemas(): Array<[string, string]> {
  const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;
  const out: Array<[string, string]> = [];
  out.push(['wfm-openapi.json', json(buildOpenApi())]);
  // --- rules engine & events (issue 4): add entries below this line ---
  void z;
  return out;
}
