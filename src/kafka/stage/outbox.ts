import type { Message, TopicMessages } from '../port.js';
import { packRequests } from '../record-size.js';
import type { Output } from './worker.js';

/** The records one slice (or one transaction's slices) produced, by topic, in order. */
export class Outbox implements Output {
  readonly #byTopic = new Map<string, Message[]>();
  readonly #urgentTopics: ReadonlySet<string> | undefined;
  count = 0;
  /** approximate: values and keys */
  bytes = 0;
  /** holds a record to an urgent topic */
  urgent = false;

  constructor(urgentTopics: ReadonlySet<string> | undefined) {
    this.#urgentTopics = urgentTopics;
  }

  send(topic: string, message: Message): void {
    this.bytes += sizeOf(message.value) + sizeOf(message.key) + 64;
    if (this.#urgentTopics?.has(topic)) this.urgent = true;
    let list = this.#byTopic.get(topic);
    if (!list) {
      list = [];
      this.#byTopic.set(topic, list);
    }
    list.push(message);
    this.count++;
  }

  /** takes `later`'s records after this one's, topic by topic */
  append(later: Outbox): void {
    for (const [topic, messages] of later.#byTopic) {
      const list = this.#byTopic.get(topic);
      if (list) for (const m of messages) list.push(m);
      else this.#byTopic.set(topic, messages);
    }
    this.count += later.count;
    this.bytes += later.bytes;
    this.urgent ||= later.urgent;
  }

  counts(): Array<[string, number]> {
    return [...this.#byTopic].map(([topic, list]) => [topic, list.length]);
  }

  /** the records as produce requests, each record batch of a topic in `limits` within its limit (record-size.ts) */
  requests(limits: ReadonlyMap<string, number> | undefined): TopicMessages[][] {
    return packRequests(this.#byTopic, limits);
  }
}

export function sizeOf(v: Buffer | string | null | undefined): number {
  return v == null ? 0 : typeof v === 'string' ? v.length : v.byteLength;
}
