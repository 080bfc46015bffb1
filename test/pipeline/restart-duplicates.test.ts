import type { Admin } from 'kafkajs';
import { DateTime } from 'luxon';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeIntent } from '../../src/app/intent-record.js';
import { groupIds } from '../../src/app/pipeline.js';
import { decodeTrunkEvent } from '../../src/events/decode.js';
import { DLQ_HEADERS } from '../../src/kafka/dead-letter.js';
import { compileRules } from '../../src/rules/compile.js';
import { RuleEngine } from '../../src/rules/engine.js';
import type { Intent } from '../../src/rules/intent.js';
import { loadRulesFile } from '../../src/rules/load.js';
import { configFile, type Instance, kill9, startInstance } from './support/child.js';
import {
  brokers,
  createTopics,
  goldenEventLines,
  goldenSandbox,
  produceEvents,
  duplicates as repeated,
  testConfig,
  testKafka,
} from './support/harness.js';
import { sleep } from './support/scenario.js';
import { readCommitted } from './support/topic-reader.js';

/**
 * kill -9 while the golden APAC events flow (nine weeks of them), then a restart, again and
 * again, with `trunk-reactor run` as child processes. The events topic has six partitions, so
 * six of the repartition stage's producers write the one repartition partition that holds
 * trunk group sg-byoc, and a kill leaves several of their transactions open: the restart aborts
 * them one by one, in the order its producers start, not the order they began. The rules stage
 * must read nothing of an aborted transaction, or the restart's own copy of those samples is
 * refused as a duplicate. Each sample is sent once (the golden file's deliberate repeat is left
 * out), so any duplicate dead letter is spurious; an uninterrupted run makes none.
 *
 * The rules stage sends its intents outside its transaction, so the intents topic holds repeats
 * after each kill (docs/pipeline.md, "Intents outside the transaction"): it must still hold
 * every intent the rules engine makes of the same events, and the planning stage, which drops
 * the repeats, must commit no adjustment twice.
 */
const KILLS = Number(process.env.TR_RESTART_KILLS ?? 6);
/** the golden events this many times, a week apart: 21,600 events */
const WEEKS = 9;

const cleanup: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c().catch(() => {});
});

describe('restart after kill -9 (child processes, real broker)', () => {
  it(`${KILLS} restarts after kill -9 while events flow dead-letter no sample as a duplicate, lose no intent and plan no adjustment twice`, async () => {
    const { sandbox } = await goldenSandbox();
    cleanup.push(() => sandbox.close());
    const config = testConfig({ brokers: brokers(), sandboxUrl: sandbox.url, partitions: 6 });
    const kafka = testKafka(config.kafka.brokers);
    const admin = kafka.admin();
    await admin.connect();
    cleanup.push(() => admin.disconnect());
    await createTopics(admin, config);
    const file = configFile(config);
    const t = config.kafka.topics;
    const g = groupIds(config.kafka.groupId);
    const start = (id: string) => {
      const i = startInstance(file, id);
      cleanup.push(() => kill9(i));
      return i;
    };
    let seed = 29;
    const random = () => {
      seed = (seed * 1103515245 + 12345) % 2147483648;
      return seed / 2147483648;
    };

    const lines = goldenWeeks(WEEKS);
    let current: Instance = start('k0');
    // 60 slices over ~30 s: the kills land while events flow and while a backlog is worked off
    let produced = false;
    const producing = (async () => {
      const slice = Math.ceil(lines.length / 60);
      for (let i = 0; i < lines.length; i += slice) {
        await produceEvents(kafka, t.events, lines.slice(i, i + slice));
        await sleep(500);
      }
      produced = true;
    })();
    let kills = 0;
    while (kills < KILLS && !produced) {
      // the instance is at work (its rules stage committed since it started), then somewhere in a slice
      const before = await committed(admin, g.rules, t.repartition);
      await until(async () => produced || (await committed(admin, g.rules, t.repartition)) > before, 60_000);
      if (produced) break;
      await sleep(random() * 800);
      await kill9(current);
      current = start(`k${++kills}`);
    }
    await producing;
    await drained(admin, config.kafka.groupId, t.events, t.repartition);

    const codes = (await readCommitted(kafka, t.deadLetter)).map((d) => d.headers[DLQ_HEADERS.code]);
    const duplicates = codes.filter((c) => c === 'TR_ERR_EVENT_DUPLICATE');
    expect(kills, 'kills while events flowed').toBeGreaterThanOrEqual(3);
    expect(duplicates, `dead letters: ${JSON.stringify(count(codes))}`).toEqual([]);
    expect(await committed(admin, g.rules, t.repartition)).toBeGreaterThanOrEqual(lines.length);

    const intents = (await readCommitted(kafka, t.intents)).map((r) => {
      const d = decodeIntent(r.value === null ? null : Buffer.from(r.value));
      if (!d.ok) throw new Error(`not an intent on ${t.intents}: ${d.message}`);
      return d.intent;
    });
    const ids = intents.map(intentId);
    // the pipeline takes no sample stamped in the future (the later weeks are dead-lettered
    // TR_ERR_EVENT_FUTURE) and never flushes its stream: the engine's intents past the
    // pipeline's watermark (an hour of lateness behind the newest sample it took) have no
    // counterpart yet
    const { intents: expected, newest } = await engineIntents(config.rules.files[0]!, lines, Date.now());
    const settledIds = expected.filter((i) => i.eventTime < newest - 2 * HOUR).map(intentId);
    expect(settledIds.length).toBeGreaterThan(0);
    const committedIds = new Set(ids);
    expect(
      settledIds.filter((id) => !committedIds.has(id)),
      'intents lost',
    ).toEqual([]);
    const adjustments = (await readCommitted(kafka, t.adjustments)).map(
      (r) => (JSON.parse(r.value ?? '{}') as { key?: string }).key ?? '',
    );
    expect(adjustments.length).toBeGreaterThan(0);
    expect(repeated(adjustments.sort()), 'adjustments planned twice').toEqual([]);
  }, 300_000);
});

/**
 * The golden events `weeks` times, a week apart (the same weekdays and hours), without the
 * golden file's repeat of a sample already sent: every trunk's sample at an instant once.
 */
function goldenWeeks(weeks: number): string[] {
  const seen = new Set<string>();
  const out: string[] = [];
  const lines = goldenEventLines();
  for (let w = 0; w < weeks; w++) {
    for (const line of lines) {
      const e = JSON.parse(line) as { trunkId: string; eventTime: string };
      const at = DateTime.fromISO(e.eventTime, { setZone: true });
      // the undecodable one (no offset) once, as it is
      if (!at.isValid || !/(Z|[+-]\d\d:\d\d)$/.test(e.eventTime)) {
        if (w === 0) out.push(line);
        continue;
      }
      const eventTime = at.plus({ weeks: w }).toISO({ suppressMilliseconds: true });
      const id = `${e.trunkId} ${eventTime}`;
      if (seen.has(id)) continue;
      seen.add(id);
      out.push(w === 0 ? line : JSON.stringify({ ...e, eventTime }));
    }
  }
  return out;
}

const HOUR = 3_600_000;

/** What identifies an intent: the rule, its scope, the sample's event time and the repeat. */
function intentId(i: Intent): string {
  return `${i.ruleId} ${i.scope.kind}:${i.scope.value} ${i.eventTime} ${i.repeat}`;
}

/**
 * The intents the rules engine makes of the samples of `lines` stamped up to `until`, in their
 * order, with no wall clock (as `plan` does), and the newest of those samples' times.
 */
async function engineIntents(
  rulesFile: string,
  lines: readonly string[],
  until: number,
): Promise<{ intents: Intent[]; newest: number }> {
  const engine = new RuleEngine(compileRules(await loadRulesFile(rulesFile)));
  const intents: Intent[] = [];
  let newest = Number.NEGATIVE_INFINITY;
  for (const line of lines) {
    const d = decodeTrunkEvent(line);
    if (!d.ok || d.sample.time > until) continue;
    newest = Math.max(newest, d.sample.time);
    intents.push(...engine.evaluate(d.sample).intents);
  }
  return { intents, newest };
}

function count(codes: Array<string | undefined>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of codes) out[c ?? '?'] = (out[c ?? '?'] ?? 0) + 1;
  return out;
}

/** Input messages a group has committed on a topic, over its partitions. */
async function committed(admin: Admin, groupId: string, topic: string): Promise<number> {
  const [offsets] = await admin.fetchOffsets({ groupId, topics: [topic] });
  return (offsets?.partitions ?? []).reduce((n, p) => n + Math.max(0, Number(p.offset)), 0);
}

/**
 * Waits until the repartition group has committed every event and the rules group's
 * committed offsets stayed put for 5 s. (The rules group's offsets stop short of the
 * repartition topic's end when the end is an aborted transaction and its marker: a fetch that
 * holds no committed record commits nothing.)
 */
async function drained(admin: Admin, groupId: string, events: string, repartition: string): Promise<void> {
  const g = groupIds(groupId);
  let last = -1;
  let since = 0;
  await until(async () => {
    const ends = await admin.fetchTopicOffsets(events);
    const total = ends.reduce((n, e) => n + Number(e.high), 0);
    if ((await committed(admin, g.repartition, events)) < total) return false;
    const rules = await committed(admin, g.rules, repartition);
    if (rules !== last) {
      last = rules;
      since = Date.now();
    }
    return Date.now() - since >= 5_000;
  }, 180_000);
}

async function until(done: () => Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`not done within ${timeoutMs} ms`);
    await sleep(500);
  }
}
