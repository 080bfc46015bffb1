import type { NdjsonItem } from '../events/ndjson.js';
import type { CompiledRuleSet } from '../rules/compile.js';
import { RuleEngine } from '../rules/engine.js';
import type { Intent } from '../rules/intent.js';
import { parseInstant } from '../time/instant.js';
import { formatLocal } from '../time/local-format.js';
import { openWindowAt, type PublishWindow } from '../time/publish-window.js';
import type { Adjustment } from './adjustment.js';
import type { Planner } from './planner.js';
import type { Skip } from './resolve-intent.js';

export interface DryRunReport {
  events: { read: number; accepted: number; bad: number; late: number; duplicates: number };
  /** decode failures and late events, with the line they came from */
  rejected: Array<{ line: number; code: string; message: string }>;
  intents: number;
  adjustments: Adjustment[];
  skipped: Skip[];
  /** remarks per adjustment key, e.g. that the writer will hold it until the publish window closes */
  notes: Array<{ key: string; note: string }>;
}

export interface DryRunOptions {
  /** when set, adjustments decided while it is open are noted as deferred by the writer */
  publishWindow?: PublishWindow;
  /** the business unit's zone, which the notes' times are given in (default: the publish window's) */
  zone?: string;
}

/**
 * Events → rules engine → planner, writing nothing: what `plan` and the golden tests
 * run. The stream is flushed at the end, so samples still waiting for the watermark are
 * evaluated too.
 */
export async function dryRun(
  rules: CompiledRuleSet,
  items: AsyncIterable<NdjsonItem>,
  planner: Planner,
  options: DryRunOptions = {},
): Promise<DryRunReport> {
  const engine = new RuleEngine(rules);
  const report: DryRunReport = {
    events: { read: 0, accepted: 0, bad: 0, late: 0, duplicates: 0 },
    rejected: [],
    intents: 0,
    adjustments: [],
    skipped: [],
    notes: [],
  };
  const win = options.publishWindow;
  const planAll = async (intents: readonly Intent[]) => {
    for (const intent of intents) {
      report.intents++;
      const r = await planner.plan(intent);
      report.adjustments.push(...r.adjustments);
      if (win) {
        for (const a of r.adjustments) {
          const open = openWindowAt(parseInstant(a.createdAt), win);
          if (open) {
            const closes = formatLocal(open.closesAt, options.zone ?? win.zone);
            report.notes.push({
              key: a.key,
              note: `decided while the publish window is open: the writer holds it until ${closes}, then applies it to fresh versions`,
            });
          }
        }
      }
      report.skipped.push(...r.skipped);
    }
  };
  for await (const item of items) {
    report.events.read++;
    if (!item.ok) {
      report.events.bad++;
      report.rejected.push({ line: item.line, code: item.error.code, message: item.error.message });
      continue;
    }
    const out = engine.evaluate(item.sample);
    if (out.rejected) {
      if (out.rejected.code === 'TR_ERR_EVENT_LATE') report.events.late++;
      else report.events.duplicates++;
      report.rejected.push({ line: item.line, code: out.rejected.code, message: out.rejected.message });
      continue;
    }
    report.events.accepted++;
    await planAll(out.intents);
  }
  await planAll(engine.flush());
  return report;
}
