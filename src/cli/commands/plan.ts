import { access, constants, readFile, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { readEventsNdjson } from '../../events/ndjson.js';
import { type DryRunReport, dryRun } from '../../planner/dry-run.js';
import { Planner } from '../../planner/planner.js';
import { SnapshotScheduleSource } from '../../planner/snapshot-source.js';
import { planPicture } from '../../report/plan-picture.js';
import { renderPlanReport } from '../../report/plan-report.js';
import {
  ADJUSTMENT_COLUMNS,
  adjustmentRow,
  planCounts,
  SKIP_COLUMNS,
  skipRow,
  subject,
} from '../../report/plan-rows.js';
import { compileRules } from '../../rules/compile.js';
import { loadRulesFile } from '../../rules/load.js';
import { formatIssue, RulesFileError } from '../../rules/rules-error.js';
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
prints every adjustment they would cause, and why. Nothing is written anywhere but to
the --report FILE.

  --rules FILE        rules file (YAML or JSON)
  --events FILE       trunk utilization events, one JSON object per line (NDJSON)
  --schedule FILE     a schedule snapshot (the WFM sandbox's export format)
  --wfm URL           read the schedule from a WFM instead (base URL ending in /wfm/api/v2);
                      the bearer token comes from $${TOKEN_ENV}; reads only
  --zone ZONE         business unit zone for --wfm (default: the rules file's defaults.zone)
  --week-start DAY    first day of the schedule week for --wfm: mon … sun (default mon)
  --no-publish-window do not mark adjustments decided inside the Sunday 02:00 SGT publish window
  --json              print the whole report as one JSON object
  --report FILE       also write the plan as one HTML page to FILE: utilization per trunk group
                      against each rule's thresholds, when each rule fired, every adjustment
                      marked in time with its reason, and the table; self-contained (no network)

Exit codes: 0 ran (whatever it found), 2 wrong arguments, 3 rules or schedule invalid,
4 WFM unreachable or the report could not be written.`;

const command: Command = {
  name: 'plan',
  example:
    'trunk-reactor plan --rules config/rules.apac.yaml --events config/demo/apac-events.ndjson --schedule config/demo/apac-schedule.json --report /tmp/trunk-reactor-plan.html',
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
      report: { type: 'string' },
    });
    const rulesPath = str(values.rules, '--rules');
    const eventsPath = str(values.events, '--events');
    if ((values.schedule === undefined) === (values.wfm === undefined)) {
      throw new UsageError('give exactly one of --schedule FILE or --wfm URL');
    }
    const reportPath = values.report === undefined ? undefined : resolve(str(values.report, '--report'));
    if (reportPath !== undefined) await writableDir(reportPath);

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
    if (reportPath === undefined) return EXIT.OK;

    const picture = await planPicture(compiled, () => readEventsNdjson(eventsPath), report, zone);
    const html = renderPlanReport({
      plan: report,
      picture,
      sources: [
        { label: 'rules', value: rulesPath },
        { label: 'events', value: eventsPath },
        typeof values.schedule === 'string'
          ? { label: 'schedule', value: values.schedule }
          : { label: 'schedule read from', value: String(values.wfm) },
      ],
    });
    try {
      await writeFile(reportPath, html);
    } catch (err) {
      process.stderr.write(
        `trunk-reactor plan: cannot write the report to ${reportPath}: ${(err as Error).message}\n`,
      );
      return EXIT.RUNTIME;
    }
    // on stderr, so that stdout stays the plan (and with --json, one JSON object)
    process.stderr.write(`trunk-reactor plan: report written to ${reportPath}\n`);
    return EXIT.OK;
  },
};

/** Checked before the dry run, so that a report that cannot be written costs no replay. */
async function writableDir(file: string): Promise<void> {
  try {
    await access(dirname(file), constants.W_OK);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    const why = code === 'ENOENT' ? 'does not exist' : code === 'EACCES' ? 'is not writable' : String(code);
    throw new UsageError(
      `--report: the directory ${dirname(file)} ${why}; give a FILE in a directory that exists`,
    );
  }
}

function str(v: string | boolean | undefined, flag: string): string {
  if (typeof v !== 'string' || v === '') throw new UsageError(`${flag} is required`);
  return v;
}

/** The human view: one row per adjustment with its reason, then what was passed over and why. */
export function renderReport(r: DryRunReport, zone: string): string {
  const notes = new Map(r.notes.map((n) => [n.key, n.note]));
  const rows = r.adjustments.map((a) => adjustmentRow(a, zone));
  const out: string[] = [];
  out.push(planCounts(r), `times in ${zone}; nothing was written`, '');
  if (rows.length === 0) out.push('No adjustments.');
  else {
    out.push(...table([...ADJUSTMENT_COLUMNS], rows));
    for (const a of r.adjustments) {
      const n = notes.get(a.key);
      if (n) out.push(`  ! ${subject(a)}: ${n}`);
    }
  }
  if (r.skipped.length > 0) {
    out.push('', 'Passed over:');
    out.push(
      ...table(
        [...SKIP_COLUMNS],
        r.skipped.map((s) => skipRow(s, zone)),
      ),
    );
  }
  if (r.rejected.length > 0) {
    out.push('', 'Events refused:');
    for (const x of r.rejected) out.push(`  line ${x.line}: [${x.code}] ${x.message}`);
  }
  return `${out.join('\n')}\n`;
}

function table(head: string[], rows: string[][]): string[] {
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: string[]) =>
    cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join('  ');
  return [line(head), line(widths.map((w) => '─'.repeat(w))), ...rows.map(line)];
}

export default command;
