/**
 * A writer in its own process, for the kill -9 test: applies the adjustments in a JSON
 * file to a WFM and appends each terminal outcome to an outcomes file (its "acknowledgement").
 * Usage: tsx writer-process.ts <baseUrl> <adjustments.json> <outcomes.jsonl>
 */
import { appendFileSync, readFileSync } from 'node:fs';
import type { Adjustment } from '../../../src/planner/adjustment.js';
import { WfmHttpClient } from '../../../src/wfm/http-client.js';
import { isTerminal } from '../../../src/writer/outcome.js';
import { Writer } from '../../../src/writer/writer.js';

const [baseUrl, adjustmentsFile, outcomesFile] = process.argv.slice(2);
if (!baseUrl || !adjustmentsFile || !outcomesFile) {
  process.stderr.write('usage: writer-process.ts <baseUrl> <adjustments.json> <outcomes.jsonl>\n');
  process.exit(2);
}
const adjustments = JSON.parse(readFileSync(adjustmentsFile, 'utf8')) as Adjustment[];
const client = new WfmHttpClient({ baseUrl, token: 'sandbox-token' });
const writer = new Writer({
  adapter: client,
  concurrency: 2,
  sink: {
    record: (o) => {
      if (isTerminal(o.status)) appendFileSync(outcomesFile, `${JSON.stringify(o)}\n`);
    },
  },
});
await writer.warm({});
await Promise.all(adjustments.map((a) => writer.submit(a)));
await client.close();
process.stdout.write('done\n');
