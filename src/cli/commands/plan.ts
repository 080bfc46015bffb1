import { readFile } from 'node:fs/promises';
import { readEventsNdjson } from '../../events/ndjson.js';
import type { Adjustment } from '../../planner/adjustment.js';
import { type DryRunReport, dryRun } from '../../planner/dry-run.js';
import { Planner } from '../../planner/planner.js';
import { SnapshotScheduleSource } from '../../planner/snapshot-source.js';
import { compileRules } from '../../rules/compile.js';
import { loadRulesFile } from '../../rules/load.js';
import { formatIssue, RulesFileError } from '../../rules/rules-error.js';
import { formatLocal, formatLocalTime } from '../../time/local-format.js';
import { DEFAULT_PUBLISH_WINDOW } from '../../time/publish-window.js';
import {
  type IsoWeekday,
  WEEKDAY_NAMES,
  type WeekdayName,
  weekdayFromName,
} from '../../time/schedule-week.js';
import { isValidZone } from '../../time/zone.js';
import type { ScheduleSource } from '../../wfm/adapter.js';
import { WfmHttpClient } from '../../wfm/http-client.js';
import { ScheduleSnapshot } from '../../wfm/snapshot.js';
import { type Command, EXIT, UsageError } from '../command.js';
import { parseFlags } from '../parse-flags.js';

const TOKEN_ENV = 'TRUNK_REACTOR_WFM_TOKEN';

const usage = `Usage: trunk-reactor plan --rules FILE --events FILE (--wfm URL | --schedule FILE) [options]

A dry run: feeds the events through the rules and the planner against the schedule and
prints every adjustment they would cause, and why. Nothing is written anywhere.

  --rules FILE        rules file (YAML or JSON)
  --events FILE       trunk utilization events, one JSON object per line (NDJSON)
  --schedule FILE     a schedule snapshot (the WFM sandbox's export format)
  --wfm URL           read the schedule from a WFM instead (base URL ending in /wfm/api/v2);
                      the bearer token comes from $${TOKEN_ENV}; reads only
  --zone ZONE         business unit zone for --wfm (default: the rules file's defaults.zone)
  --week-start DAY    first day of the schedule week for --wfm: mon … sun (default mon)
  --no-publish-window do not mark adjustments decided inside the Sunday 02:00 SGT publish window
  --json              print the whole report as one JSON object

Exit codes: 0 ran (whatever it found), 2 wrong arguments, 3 rules or schedule invalid, 4 WFM unreachable.`;

const command: Command = {
  name: 'plan',
  example:
    'trunk-reactor plan --rules config/rules.apac.yaml --events config/demo/apac-events.ndjson --schedule config/demo/apac-schedule.json',
  usage,
  async run(argv) {
    const { values } = parseFlags(argv, {
      rules: { type: 'string' },
      events: { type: 'string' },
      schedule: { type: 'string' },
      wfm: { type: 'string' },
      zone: { type: 'string' },
      'week-start': { type: 'string' },
      'no-publish-window': { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
    });
    const rulesPath = str(values.rules, '--rules');
    const eventsPath = str(values.events, '--events');
    if ((values.schedule === undefined) === (values.wfm === undefined)) {
      throw new UsageError('give exactly one of --schedule FILE or --wfm URL');
    }

    let compiled: ReturnType<typeof compileRules>;
    let zoneDefault: string | undefined;
    try {
      const file = await loadRulesFile(rulesPath);
      compiled = compileRules(file);
      zoneDefault = file.defaults.zone;
    } catch (err) {
      if (!(err instanceof RulesFileError)) throw err;
      process.stderr.write(
        `trunk-reactor plan: ${err.file} is invalid\n${err.issues.map((i) => `  ${formatIssue(i)}`).join('\n')}\n`,
      );
      return EXIT.CONFIG;
    }

    let source: ScheduleSource;
    let client: WfmHttpClient | undefined;
    let zone: string;
    let weekStart: IsoWeekday;
    if (typeof values.schedule === 'string') {
      let snapshot: ScheduleSnapshot;
      try {
        snapshot = ScheduleSnapshot.parse(JSON.parse(await readFile(values.schedule, 'utf8')));
      } catch (err) {
        process.stderr.write(
          `trunk-reactor plan: ${values.schedule} is not a schedule snapshot: ${(err as Error).message}\n`,
        );
        return EXIT.CONFIG;
      }
      source = new SnapshotScheduleSource(snapshot);
      zone = snapshot.businessUnit.timeZone;
      weekStart = snapshot.businessUnit.weekStart as IsoWeekday;
    } else {
      const token = process.env[TOKEN_ENV];
      if (!token) throw new UsageError(`--wfm needs a bearer token in $${TOKEN_ENV}`);
      zone = typeof values.zone === 'string' ? values.zone : (zoneDefault ?? '');
      if (!isValidZone(zone))
        throw new UsageError(`--zone must be an IANA zone like Asia/Singapore, got '${zone}'`);
      const day = (typeof values['week-start'] === 'string' ? values['week-start'] : 'mon').toLowerCase();
      if (!WEEKDAY_NAMES.includes(day as WeekdayName))
        throw new UsageError(`--week-start must be one of ${WEEKDAY_NAMES.join(', ')}, got '${day}'`);
      weekStart = weekdayFromName(day as WeekdayName);
      client = new WfmHttpClient({ baseUrl: String(values.wfm), token });
      source = client;
    }

    const planner = new Planner({ source, businessUnit: { zone, weekStart } });
    let report: DryRunReport;
    try {
      report = await dryRun(
        compiled,
        readEventsNdjson(eventsPath),
        planner,
        values['no-publish-window'] ? { zone } : { publishWindow: DEFAULT_PUBLISH_WINDOW, zone },
      );
    } catch (err) {
      const e = err as NodeJS.ErrnoException & { code?: string };
      if (e.code === 'ENOENT') {
        process.stderr.write(`trunk-reactor plan: cannot read ${eventsPath}: no such file\n`);
        return EXIT.CONFIG;
      }
      process.stderr.write(`trunk-reactor plan: ${e.code ? `[${e.code}] ` : ''}${e.message}\n`);
      return EXIT.RUNTIME;
    } finally {
      await client?.close();
    }
    process.stdout.write(values.json ? `${JSON.stringify(report, null, 2)}\n` : renderReport(report, zone));
    return EXIT.OK;
  },
};

function str(v: string | boolean | undefined, flag: string): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${flag} is required`);
  return v;
}

/** The human view: one row per adjustment with its reason, then what was passed over and why. */
export function renderReport(r: DryRunReport, zone: string): string {
  const local = (iso: string) => formatLocal(Date.parse(iso), zone);
  const notes = new Map(r.notes.map((n) => [n.key, n.note]));
  const rows = r.adjustments.map((a) => [
    local(a.createdAt),
    a.ruleId,
    a.action,
    subject(a),
    change(a, zone),
    why(a),
  ]);
  const out: string[] = [];
  out.push(
    `events: ${r.events.read} read, ${r.events.accepted} accepted, ${r.events.bad} bad, ${r.events.late} late, ${r.events.duplicates} duplicate · intents: ${r.intents} · adjustments: ${r.adjustments.length} · passed over: ${r.skipped.length}`,
    `times in ${zone}; nothing was written`,
    '',
  );
  if (rows.length === 0) out.push('No adjustments.');
  else {
    out.push(...table(['when', 'rule', 'action', 'shift / agent', 'change', 'why'], rows));
    for (const a of r.adjustments) {
      const n = notes.get(a.key);
      if (n) out.push(`  ! ${subject(a)}: ${n}`);
    }
  }
  if (r.skipped.length > 0) {
    out.push('', 'Passed over:');
    out.push(
      ...table(
        ['when', 'rule', 'guardrail', 'detail'],
        r.skipped.map((s) => [local(s.eventTime), s.ruleId, s.guardrail, s.detail]),
      ),
    );
  }
  if (r.rejected.length > 0) {
    out.push('', 'Events refused:');
    for (const x of r.rejected) out.push(`  line ${x.line}: [${x.code}] ${x.message}`);
  }
  return `${out.join('\n')}\n`;
}

function subject(a: Adjustment): string {
  return a.kind === 'swap' ? `${a.a.shiftId} ⇄ ${a.b.shiftId}` : `${a.shiftId} / ${a.agentId}`;
}

function change(a: Adjustment, zone: string): string {
  const hm = (iso: string) => formatLocalTime(Date.parse(iso), zone);
  if (a.kind === 'swap') return `${a.b.agentId} takes ${a.a.shiftId}; ${a.a.agentId} takes ${a.b.shiftId}`;
  const m = a.mutation;
  switch (m.kind) {
    case 'set-end':
      return `end → ${hm(m.end)}`;
    case 'set-start':
      return `start → ${hm(m.start)}`;
    case 'activities-to-on-queue':
      return `${m.types.join('/')} ${hm(m.from)}–${hm(m.to)} → on-queue`;
  }
}

function why(a: Adjustment): string {
  const r = a.reason;
  return `${r.aggregate} ${r.metric} ${r.value} vs ${r.threshold} over ${r.window} on ${r.scope.kind} ${r.scope.value}`;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

export default command;
