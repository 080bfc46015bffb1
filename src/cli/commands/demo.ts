import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { type DemoSummary, runDemo } from '../../demo/demo-run.js';
import { toWire } from '../../time/instant.js';
import { type Command, EXIT, UsageError } from '../command.js';

const asset = (p: string) => fileURLToPath(new URL(`../../../${p}`, import.meta.url));

const usage = `Usage: trunk-reactor demo [--rules FILE] [--schedule FILE] [--events FILE] [--other-integration N] [--json]

Replays a recorded APAC scenario — 15 BYOC trunks, an Asia/Singapore team, a surge, a quiet
spell and the Sunday 02:00 SGT publish window — through the real rules engine, planner and
writer into an in-process WFM sandbox over HTTP. Needs no Kafka and no Docker.

  --rules FILE              rules file (default config/rules.apac.yaml)
  --schedule FILE           schedule snapshot (default config/demo/apac-schedule.json)
  --events FILE             events, NDJSON (default config/demo/apac-events.ndjson)
  --other-integration N     another integration changes N random shifts per second (default 50)
  --json                    print the summary as JSON`;

function table(s: DemoSummary): string {
  const rows: Array<[string, string | number]> = [
    ['events read', s.events.read],
    [
      '  accepted / bad / late / duplicate',
      `${s.events.accepted} / ${s.events.bad} / ${s.events.late} / ${s.events.duplicates}`,
    ],
    ['rule firings', s.firings],
    ['adjustments', s.adjustments],
    ...Object.entries(s.outcomes).map(([k, v]) => [`  ${k}`, v] as [string, number]),
    ['version conflicts met (409)', s.conflicts.versionConflicts],
    ['  adjustments that met one and were applied', s.conflicts.resolved],
    ['publish-lock answers (409 SCHEDULE_LOCKED)', s.conflicts.lockedAnswers],
    ['deferred through the publish window, then applied', s.deferredThenApplied],
    ['WFM calls', s.httpCalls],
    ['sandbox ledger: patches / swaps', `${s.ledger.patches} / ${s.ledger.swaps}`],
    [
      'sandbox ledger: publish bumps / other integration',
      `${s.ledger.publish} / ${s.ledger.otherIntegration}`,
    ],
  ];
  const w = Math.max(...rows.map(([k]) => k.length));
  return rows.map(([k, v]) => `${k.padEnd(w)}  ${v}`).join('\n');
}

const command: Command = {
  name: 'demo',
  summary: 'Run the main job on embedded defaults: a recorded APAC scenario into an in-process WFM sandbox.',
  usage,
  async run(argv) {
    let values: Record<string, string | boolean | undefined>;
    try {
      ({ values } = parseArgs({
        args: argv,
        strict: true,
        options: {
          rules: { type: 'string', default: asset('config/rules.apac.yaml') },
          schedule: { type: 'string', default: asset('config/demo/apac-schedule.json') },
          events: { type: 'string', default: asset('config/demo/apac-events.ndjson') },
          'other-integration': { type: 'string', default: '50' },
          json: { type: 'boolean', default: false },
        },
      }));
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const rate = Number(values['other-integration']);
    if (!(rate >= 0))
      throw new UsageError(`--other-integration must be a number ≥ 0, got '${values['other-integration']}'`);
    const tty = process.stderr.isTTY === true;
    const summary = await runDemo({
      rulesFile: values.rules as string,
      scheduleFile: values.schedule as string,
      eventsFile: values.events as string,
      otherIntegrationPerSecond: rate,
      onSandbox: (s) => process.stderr.write(`WFM sandbox (in-process): ${s.baseUrl}\n`),
      progress: (done, total, now) => {
        const line = `replaying events ${done}/${total} · virtual time ${toWire(now)}`;
        if (tty) process.stderr.write(`\r${line}`);
        else if (done === total || done % 500 === 0) process.stderr.write(`${line}\n`);
      },
    });
    if (tty) process.stderr.write('\n');
    if (values.json) {
      const { outcomeRecords: _omit, ...rest } = summary;
      process.stdout.write(`${JSON.stringify(rest, null, 2)}\n`);
    } else {
      process.stdout.write(`\n${table(summary)}\n`);
    }
    const lost = summary.adjustments - Object.values(summary.outcomes).reduce((a, b) => a + b, 0);
    return lost === 0 ? EXIT.OK : EXIT.RUNTIME;
  },
};

export default command;
