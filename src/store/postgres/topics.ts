/**
 * @module
 * The event bus on PostgreSQL (the store's `topics` part): publish with fan-out in one
 * statement, durable subscriptions, replay from the retained log, and retention.
 */
import type { BackoffPolicy } from '../../core/types.js';
import type {
  EventRecord,
  NewEvent,
  PublishResult,
  ReplayFrom,
  SubscriptionInfo,
  SubscriptionRecord,
  TopicInfo,
  TopicsPart,
  Transaction,
} from '../contract.js';
import type { BusStatementName } from './bus-statements.js';

interface Queryable {
  query(config: { text: string; values?: unknown[]; name?: string }): Promise<{ rows: unknown[]; rowCount: number | null }>;
}

/** What the part needs from the store: running a named bus statement, its clock, and local wake-ups. */
export interface PostgresBusAccess {
  run<T>(name: BusStatementName, values: unknown[], via?: Queryable): Promise<T[]>;
  /** Runs a statement and returns how many rows it changed. */
  count(name: BusStatementName, values: unknown[]): Promise<number>;
  now(): number | null;
  wake(queues: readonly string[]): void;
  ensureQueues(names: readonly string[]): Promise<void>;
}

interface SubscriptionRow {
  name: string;
  topic: string;
  queue: string;
  filter_names: string[] | null;
  filter_headers: string | Record<string, string> | null;
  ordered: boolean;
  max_attempts: number;
  backoff: string | BackoffPolicy;
  timeout_ms: string | number | null;
  created_at: string | number;
  updated_at: string | number;
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

function toSubscription(row: SubscriptionRow): SubscriptionRecord {
  const headers = row.filter_headers === null ? null : json<Record<string, string>>(row.filter_headers);
  const filter =
    row.filter_names === null && headers === null
      ? null
      : { ...(row.filter_names ? { names: row.filter_names } : {}), ...(headers ? { headers } : {}) };
  return {
    name: row.name,
    topic: row.topic,
    queue: row.queue,
    filter,
    ordered: row.ordered,
    maxAttempts: Number(row.max_attempts),
    backoff: json<BackoffPolicy>(row.backoff),
    timeout: row.timeout_ms === null ? null : Number(row.timeout_ms),
    createdAt: Number(row.created_at),
    updatedAt: Number(row.updated_at),
  };
}

export function postgresTopics(access: PostgresBusAccess): TopicsPart {
  const known = new Set<string>();
  const ensureTopics = async (names: readonly string[]) => {
    const unknown = [...new Set(names)].filter((name) => !known.has(name));
    if (unknown.length === 0) return;
    await access.run('ensureTopics', [unknown, access.now()]);
    for (const name of unknown) known.add(name);
  };

  return {
    async publish(events: readonly NewEvent[], tx?: Transaction): Promise<PublishResult[]> {
      const via = tx as Queryable | undefined;
      // Outside the caller's transaction on purpose, like queue rows: a topic may outlive a rolled-back publish.
      await ensureTopics(events.map((e) => e.topic));
      const batch = `[${events
        .map(
          (e) =>
            `{"t":${JSON.stringify(e.topic)},"i":${JSON.stringify(e.id)},"n":${JSON.stringify(e.name)},"k":${JSON.stringify(e.key)},"h":${e.headers},"p":${e.payload},"tp":${JSON.stringify(e.traceparent ?? null)},"ts":${JSON.stringify(e.tracestate ?? null)}}`,
        )
        .join(',')}]`;
      const rows = await access.run<{ seq: string; topic: string; event_id: string; deliveries: number; queues: string[] | null }>(
        'publish',
        [batch, access.now()],
        via,
      );
      const inserted = new Map(rows.map((row) => [`${row.topic}\u0000${row.event_id}`, row]));
      const queues = rows.flatMap((row) => row.queues ?? []);
      if (queues.length > 0) access.wake(queues);
      const skipped = events.filter((e) => !inserted.has(`${e.topic}\u0000${e.id}`));
      const existing = new Map<string, string>();
      if (skipped.length > 0) {
        const found = await access.run<{ seq: string; topic: string; event_id: string }>(
          'findEvents',
          [skipped.map((e) => e.topic), skipped.map((e) => e.id)],
          via,
        );
        for (const row of found) existing.set(`${row.topic}\u0000${row.event_id}`, row.seq);
      }
      const seen = new Set<string>();
      return events.map((e) => {
        const key = `${e.topic}\u0000${e.id}`;
        const row = inserted.get(key);
        // The same id twice in one batch: the first input created it.
        if (row && !seen.has(key)) {
          seen.add(key);
          return { seq: row.seq, id: e.id, created: true, deliveries: row.deliveries };
        }
        return { seq: row?.seq ?? existing.get(key) ?? '0', id: e.id, created: false, deliveries: 0 };
      });
    },

    async declareSubscription(spec) {
      await ensureTopics([spec.topic]);
      await access.ensureQueues([spec.queue]);
      const [row] = await access.run<SubscriptionRow & { created: boolean }>('declareSubscription', [
        spec.name,
        spec.topic,
        spec.queue,
        spec.filter?.names ?? null,
        spec.filter?.headers ? JSON.stringify(spec.filter.headers) : null,
        spec.ordered,
        spec.maxAttempts,
        JSON.stringify(spec.backoff),
        spec.timeout,
        access.now(),
      ]);
      const created = (row as { created: boolean }).created;
      return { record: toSubscription(row as SubscriptionRow), created };
    },

    async getSubscription(name) {
      const [row] = await access.run<SubscriptionRow>('getSubscription', [name]);
      return row ? toSubscription(row) : null;
    },

    async listSubscriptions(): Promise<SubscriptionInfo[]> {
      const rows = await access.run<SubscriptionRow & { backlog: number; oldest: string | null; now: string }>('listSubscriptions', [
        access.now(),
      ]);
      return rows.map((row) => ({
        ...toSubscription(row),
        backlog: row.backlog,
        lagMs: row.oldest === null ? 0 : Math.max(0, Number(row.now) - Number(row.oldest)),
      }));
    },

    async replay(subscription: string, from: ReplayFrom): Promise<number> {
      let afterSeq: string | null = null;
      let since: number | null = null;
      if ('afterSeq' in from) afterSeq = from.afterSeq;
      else if ('time' in from) since = from.time;
      else if ('eventId' in from) {
        const sub = await this.getSubscription(subscription);
        const [row] = sub ? await access.run<{ seq: string }>('eventSeq', [sub.topic, from.eventId]) : [];
        if (!row) return -1;
        // From the event itself: it is delivered again too.
        afterSeq = String(BigInt(row.seq) - 1n);
      }
      const rows = await access.run<{ queue: string }>('replay', [subscription, afterSeq, since, access.now()]);
      if (rows.length > 0) access.wake([(rows[0] as { queue: string }).queue]);
      return rows.length;
    },

    async listTopics(): Promise<TopicInfo[]> {
      const rows = await access.run<{
        name: string;
        created_at: string;
        retention_ms: string | null;
        events: number;
        last: string | null;
        subscriptions: number;
      }>('listTopics', []);
      return rows.map((row) => ({
        name: row.name,
        createdAt: Number(row.created_at),
        retentionMs: row.retention_ms === null ? null : Number(row.retention_ms),
        events: row.events,
        lastPublishedAt: row.last === null ? null : Number(row.last),
        subscriptions: row.subscriptions,
      }));
    },

    async listEvents(topic, afterSeq, limit): Promise<EventRecord[]> {
      const rows = await access.run<{
        seq: string;
        event_id: string;
        topic: string;
        name: string | null;
        key: string | null;
        headers: string;
        payload: string;
        published_at: string;
      }>('listEvents', [topic, afterSeq, limit]);
      return rows.map((row) => ({
        seq: row.seq,
        id: row.event_id,
        topic: row.topic,
        name: row.name,
        key: row.key,
        headers: json<Record<string, string>>(row.headers),
        payload: json(row.payload),
        publishedAt: Number(row.published_at),
      }));
    },

    async setRetention(topic, retentionMs) {
      await access.run('setRetention', [topic, retentionMs, access.now()]);
      known.add(topic);
    },

    async eventRate(windowMs, bucketMs) {
      const rows = await access.run<{ at: string; topic: string; events: number }>('eventRate', [bucketMs, windowMs, access.now()]);
      return rows.map((row) => ({ at: Number(row.at), topic: row.topic, events: row.events }));
    },

    async pruneEvents(defaultMs) {
      let total = 0;
      for (;;) {
        const removed = await access.count('pruneEvents', [defaultMs, access.now()]);
        total += removed;
        if (removed < 10_000) return total;
      }
    },
  };
}
