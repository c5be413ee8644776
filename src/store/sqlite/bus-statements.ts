/**
 * The event bus's statements on SQLite, beside PostgreSQL's in `../postgres/bus-statements.ts`.
 * A publish is one transaction: the event, then one delivery job per matching subscription.
 */
const deliveryColumns = `(queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at,
                          ordering_key, unique_key, traceparent, tracestate)`;

/** The delivery job of event `e` for subscription `s`; `:now` is the time. */
const delivery = `
    s.queue, coalesce(e.name, e.topic),
    json_object('id', e.event_id, 'seq', CAST(e.seq AS TEXT), 'topic', e.topic, 'name', e.name, 'key', e.key,
                'headers', json(e.headers), 'payload', json(e.payload), 'publishedAt', e.published_at),
    'waiting', 0, s.max_attempts, s.backoff, s.timeout_ms, '{}', :now, :now, :now,
    CASE WHEN s.ordered THEN e.key END, 'ev:' || e.seq, e.traceparent, e.tracestate`;

/** The subscription `s` takes the event `e`: its names (if any) include the event's, its headers (if any) all match. */
const matches = `(s.filter_names IS NULL OR e.name IN (SELECT value FROM json_each(s.filter_names)))
    AND (s.filter_headers IS NULL OR NOT EXISTS (
      SELECT 1 FROM json_each(s.filter_headers) f WHERE json_extract(e.headers, '$."' || f.key || '"') IS NOT f.value))`;

export const busStatements = {
  ensureTopic: 'INSERT INTO spool_topics (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING',

  insertEvent: `
    INSERT INTO spool_events (topic, event_id, name, key, headers, payload, published_at, traceparent, tracestate)
    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (topic, event_id) DO NOTHING`,

  /** :seq the event just inserted, :now. */
  fanOut: `
    INSERT INTO spool_jobs ${deliveryColumns}
    SELECT ${delivery}
    FROM spool_events e JOIN spool_subscriptions s ON s.topic = e.topic
    WHERE e.seq = :seq AND ${matches}
    ORDER BY s.name
    ON CONFLICT DO NOTHING
    RETURNING queue`,

  eventSeq: 'SELECT seq FROM spool_events WHERE topic = ? AND event_id = ?',

  declareSubscription: `
    INSERT INTO spool_subscriptions (name, topic, queue, filter_names, filter_headers, ordered, max_attempts, backoff, timeout_ms, created_at,
                                     updated_at)
    VALUES (:name, :topic, :queue, :names, :headers, :ordered, :maxAttempts, :backoff, :timeout, :now, :now)
    ON CONFLICT (name) DO UPDATE SET filter_names = excluded.filter_names, filter_headers = excluded.filter_headers,
      ordered = excluded.ordered, max_attempts = excluded.max_attempts, backoff = excluded.backoff, timeout_ms = excluded.timeout_ms,
      updated_at = excluded.updated_at
    RETURNING *`,

  getSubscription: 'SELECT * FROM spool_subscriptions WHERE name = ?',

  listSubscriptions: `
    SELECT s.*,
      (SELECT count(*) FROM spool_jobs j WHERE j.queue = s.queue AND j.status IN ('waiting', 'active')) AS backlog,
      (SELECT min(created_at) FROM spool_jobs j WHERE j.queue = s.queue AND j.status = 'waiting') AS oldest
    FROM spool_subscriptions s ORDER BY s.name`,

  /** :name, :afterSeq (exclusive) or null, :since or null, :now. Pending deliveries are not duplicated. */
  replay: `
    INSERT INTO spool_jobs ${deliveryColumns}
    SELECT ${delivery}
    FROM spool_subscriptions s JOIN spool_events e ON e.topic = s.topic
    WHERE s.name = :name AND (:afterSeq IS NULL OR e.seq > :afterSeq) AND (:since IS NULL OR e.published_at >= :since) AND ${matches}
    ORDER BY e.seq
    ON CONFLICT DO NOTHING
    RETURNING queue`,

  listTopics: `
    SELECT t.name, t.created_at, t.retention_ms,
      (SELECT count(*) FROM spool_events e WHERE e.topic = t.name) AS events,
      (SELECT max(published_at) FROM spool_events e WHERE e.topic = t.name) AS last,
      (SELECT count(*) FROM spool_subscriptions s WHERE s.topic = t.name) AS subscriptions
    FROM spool_topics t ORDER BY t.name`,

  listEvents: `
    SELECT seq, event_id, topic, name, key, headers, payload, published_at FROM spool_events
    WHERE topic = :topic AND (:afterSeq IS NULL OR seq > :afterSeq) ORDER BY seq LIMIT :limit`,

  setRetention: `
    INSERT INTO spool_topics (name, created_at, retention_ms) VALUES (:topic, :now, :retention)
    ON CONFLICT (name) DO UPDATE SET retention_ms = excluded.retention_ms`,

  /** better-sqlite3 binds numbers as REAL: without the casts, the division keeps the milliseconds. */
  eventRate: `
    SELECT (published_at / CAST(:bucket AS INTEGER)) * CAST(:bucket AS INTEGER) AS at, topic, count(*) AS events
    FROM spool_events WHERE published_at >= :since GROUP BY 1, 2 ORDER BY 1, 2`,

  /** A slice at a time, so a large prune never holds the write lock for long. */
  pruneEvents: `
    DELETE FROM spool_events WHERE seq IN (
      SELECT e.seq FROM spool_events e LEFT JOIN spool_topics t ON t.name = e.topic
      WHERE e.published_at < :now - coalesce(t.retention_ms, :default) LIMIT :slice)`,
} as const;

export type SqliteBusStatementName = keyof typeof busStatements;
