/**
 * @module
 * The event bus on SQLite (the store's `topics` part): publish with fan-out in one transaction,
 * durable subscriptions, replay from the retained log, and retention.
 */
import Database from 'better-sqlite3';
import { InvalidArgumentError } from '../../core/errors.js';
import type { BackoffPolicy } from '../../core/types.js';
import type { EventRecord, PublishResult, SubscriptionRecord, TopicsPart } from '../contract.js';
import { type SqliteBusStatementName, busStatements } from './bus-statements.js';
import { pruneInSlices } from './prune-slices.js';

type Db = Database.Database;

export interface SqliteBusAccess {
  db: Db;
  /** The store's prepared statement for `name`, on its own connection. */
  prepare(text: string): Database.Statement;
  now(): number;
  guard<T>(operation: () => T): Promise<T>;
  wake(queue: string): void;
  ensureQueues(db: Db, names: readonly string[]): void;
}

interface SubscriptionRow {
  name: string;
  topic: string;
  queue: string;
  filter_names: string | null;
  filter_headers: string | null;
  ordered: number;
  max_attempts: number;
  backoff: string;
  timeout_ms: number | null;
  created_at: number;
  updated_at: number;
}

function toSubscription(row: SubscriptionRow): SubscriptionRecord {
  const names = row.filter_names === null ? null : (JSON.parse(row.filter_names) as string[]);
  const headers = row.filter_headers === null ? null : (JSON.parse(row.filter_headers) as Record<string, string>);
  return {
    name: row.name,
    topic: row.topic,
    queue: row.queue,
    filter: names === null && headers === null ? null : { ...(names ? { names } : {}), ...(headers ? { headers } : {}) },
    ordered: row.ordered === 1,
    maxAttempts: row.max_attempts,
    backoff: JSON.parse(row.backoff) as BackoffPolicy,
    timeout: row.timeout_ms,
    createdAt: row.created_at,
    updatedAt: row.updated_at,
  };
}

export function sqliteTopics(access: SqliteBusAccess): TopicsPart {
  const { db, now, guard } = access;
  const sql = (name: SqliteBusStatementName, on: Db = db) =>
    on === db ? access.prepare(busStatements[name]) : on.prepare(busStatements[name]);
  const known = new Set<string>();

  const part: TopicsPart = {
    async publish(events, tx) {
      if (tx !== undefined && !(tx instanceof Database)) {
        throw new InvalidArgumentError('On SQLite, `tx` must be the better-sqlite3 Database whose transaction the event should join.');
      }
      const on = (tx as Db | undefined) ?? db;
      const at = now();
      const results: PublishResult[] = [];
      const queues = new Set<string>();
      const publishAll = on.transaction(() => {
        for (const e of events) {
          if (!known.has(e.topic)) {
            sql('ensureTopic', on).run(e.topic, at);
            // Inside a caller's transaction the row may yet roll back: create it again next time.
            if (on === db) known.add(e.topic);
          }
          const inserted = sql('insertEvent', on).run(
            e.topic,
            e.id,
            e.name,
            e.key,
            e.headers,
            e.payload,
            at,
            e.traceparent ?? null,
            e.tracestate ?? null,
          );
          if (inserted.changes === 0) {
            const row = sql('eventSeq', on).get(e.topic, e.id) as { seq: number };
            results.push({ seq: String(row.seq), id: e.id, created: false, deliveries: 0 });
            continue;
          }
          const seq = Number(inserted.lastInsertRowid);
          const delivered = sql('fanOut', on).all({ seq, now: at }) as { queue: string }[];
          for (const { queue } of delivered) queues.add(queue);
          results.push({ seq: String(seq), id: e.id, created: true, deliveries: delivered.length });
        }
      });
      // No await before this: inside the caller's synchronous transaction it must run now.
      await guard(() => (on === db ? publishAll.immediate() : publishAll()));
      for (const queue of queues) access.wake(queue);
      return results;
    },

    async declareSubscription(spec) {
      return guard(() => {
        const run = db.transaction(() => {
          if (!known.has(spec.topic)) sql('ensureTopic').run(spec.topic, now());
          access.ensureQueues(db, [spec.queue]);
          const existed = sql('getSubscription').get(spec.name) !== undefined;
          const row = sql('declareSubscription').get({
            name: spec.name,
            topic: spec.topic,
            queue: spec.queue,
            names: spec.filter?.names ? JSON.stringify(spec.filter.names) : null,
            headers: spec.filter?.headers ? JSON.stringify(spec.filter.headers) : null,
            ordered: spec.ordered ? 1 : 0,
            maxAttempts: spec.maxAttempts,
            backoff: JSON.stringify(spec.backoff),
            timeout: spec.timeout,
            now: now(),
          }) as SubscriptionRow;
          return { record: toSubscription(row), created: !existed };
        });
        const result = run.immediate();
        known.add(spec.topic);
        return result;
      });
    },

    async getSubscription(name) {
      return guard(() => {
        const row = sql('getSubscription').get(name) as SubscriptionRow | undefined;
        return row ? toSubscription(row) : null;
      });
    },

    async listSubscriptions() {
      const at = now();
      return guard(() =>
        (sql('listSubscriptions').all() as (SubscriptionRow & { backlog: number; oldest: number | null })[]).map((row) => ({
          ...toSubscription(row),
          backlog: row.backlog,
          lagMs: row.oldest === null ? 0 : Math.max(0, at - row.oldest),
        })),
      );
    },

    async replay(subscription, from) {
      return guard(() => {
        let afterSeq: number | null = null;
        let since: number | null = null;
        if ('afterSeq' in from) afterSeq = Number(from.afterSeq);
        else if ('time' in from) since = from.time;
        else if ('eventId' in from) {
          const sub = sql('getSubscription').get(subscription) as SubscriptionRow | undefined;
          const row = sub ? (sql('eventSeq').get(sub.topic, from.eventId) as { seq: number } | undefined) : undefined;
          if (!row) return -1;
          afterSeq = row.seq - 1;
        }
        const rows = db
          .transaction(() => sql('replay').all({ name: subscription, afterSeq, since, now: now() }) as { queue: string }[])
          .immediate();
        if (rows.length > 0) access.wake((rows[0] as { queue: string }).queue);
        return rows.length;
      });
    },

    async listTopics() {
      return guard(() =>
        (
          sql('listTopics').all() as {
            name: string;
            created_at: number;
            retention_ms: number | null;
            events: number;
            last: number | null;
            subscriptions: number;
          }[]
        ).map((row) => ({
          name: row.name,
          createdAt: row.created_at,
          retentionMs: row.retention_ms,
          events: row.events,
          lastPublishedAt: row.last,
          subscriptions: row.subscriptions,
        })),
      );
    },

    async listEvents(topic, afterSeq, limit): Promise<EventRecord[]> {
      return guard(() =>
        (
          sql('listEvents').all({ topic, afterSeq: afterSeq === null ? null : Number(afterSeq), limit }) as {
            seq: number;
            event_id: string;
            topic: string;
            name: string | null;
            key: string | null;
            headers: string;
            payload: string;
            published_at: number;
          }[]
        ).map((row) => ({
          seq: String(row.seq),
          id: row.event_id,
          topic: row.topic,
          name: row.name,
          key: row.key,
          headers: JSON.parse(row.headers) as Record<string, string>,
          payload: JSON.parse(row.payload) as unknown,
          publishedAt: row.published_at,
        })),
      );
    },

    async setRetention(topic, retentionMs) {
      await guard(() => sql('setRetention').run({ topic, retention: retentionMs, now: now() }));
      known.add(topic);
    },

    async eventRate(windowMs, bucketMs) {
      const since = Math.floor((now() - windowMs) / bucketMs) * bucketMs;
      return guard(() => sql('eventRate').all({ bucket: bucketMs, since }) as { at: number; topic: string; events: number }[]);
    },

    async pruneEvents(defaultMs) {
      const at = now();
      return pruneInSlices((slice) => guard(() => sql('pruneEvents').run({ now: at, default: defaultMs, slice }).changes));
    },
  };
  return part;
}
