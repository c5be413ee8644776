/**
 * The event bus's statements on PostgreSQL, one per operation. A publish is one statement: the
 * events, then one delivery job per matching subscription, in the same transaction (so no
 * subscriber can miss an event that committed, and a rollback delivers nothing).
 */
const now = (n: number) => `coalesce($${n}::bigint, (extract(epoch from now()) * 1000)::bigint)`;

export type BusStatementName = keyof ReturnType<typeof busStatements>;

export function busStatements(s: string) {
  const jobs = `"${s}".jobs`;
  const events = `"${s}".events`;
  const subscriptions = `"${s}".subscriptions`;
  /** The delivery job of event `e` for subscription `s`, as the columns of an INSERT … SELECT. */
  const delivery = (at: string) => `
      s.queue, coalesce(e.name, e.topic),
      json_build_object('id', e.event_id, 'seq', e.seq::text, 'topic', e.topic, 'name', e.name, 'key', e.key,
                        'headers', e.headers, 'payload', e.payload, 'publishedAt', e.published_at),
      'waiting', 0, s.max_attempts, s.backoff, s.timeout_ms, '{}'::json, ${at}, ${at}, ${at},
      CASE WHEN s.ordered THEN e.key END, 'ev:' || e.seq, e.traceparent, e.tracestate`;
  const deliveryColumns = `(queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at,
                            ordering_key, unique_key, traceparent, tracestate)`;
  const matches = `(s.filter_names IS NULL OR e.name = ANY(s.filter_names))
        AND (s.filter_headers IS NULL OR e.headers @> s.filter_headers)`;
  return {
    /** $1 names, $2 now. */
    ensureTopics: `
      INSERT INTO "${s}".topics (name, created_at) SELECT t, ${now(2)} FROM unnest($1::text[]) AS t ON CONFLICT (name) DO NOTHING`,

    /**
     * $1 the events as one JSON array ({t topic, i id, n name, k key, h headers, p payload, tp traceparent, ts tracestate}), $2 now.
     * Events whose id is already on their topic are skipped and return no row.
     */
    publish: `
      WITH input AS (
        SELECT x.* FROM ROWS FROM (json_to_recordset($1::json) AS (t text, i text, n text, k text, h jsonb, p json, tp text, ts text))
          WITH ORDINALITY AS x(t, i, n, k, h, p, tp, ts, ord)
      ),
      inserted AS (
        INSERT INTO ${events} (topic, event_id, name, key, headers, payload, published_at, traceparent, tracestate)
        SELECT t, i, n, k, coalesce(h, '{}'), coalesce(p, 'null'::json), ${now(2)}, tp, ts FROM input ORDER BY ord
        ON CONFLICT (topic, event_id) DO NOTHING
        RETURNING seq, topic, event_id, name, key, headers, payload, published_at, traceparent, tracestate
      ),
      deliveries AS (
        INSERT INTO ${jobs} ${deliveryColumns}
        SELECT ${delivery(now(2))}
        FROM inserted e JOIN ${subscriptions} s ON s.topic = e.topic
        WHERE ${matches}
        ORDER BY e.seq, s.name
        ON CONFLICT DO NOTHING
        RETURNING queue, unique_key
      )
      SELECT i.seq::text AS seq, i.topic, i.event_id, coalesce(d.n, 0)::int AS deliveries, d.queues
      FROM inserted i LEFT JOIN (
        -- Grouped once and hash-joined: a subquery per event would scan every delivery for each event.
        SELECT unique_key, count(*) AS n, array_agg(DISTINCT queue) AS queues FROM deliveries GROUP BY unique_key
      ) d ON d.unique_key = 'ev:' || i.seq`,

    /** $1 topics, $2 ids (pairwise): the events a publish skipped as already published. */
    findEvents: `
      SELECT e.seq::text AS seq, e.topic, e.event_id FROM ${events} e
      JOIN unnest($1::text[], $2::text[]) AS k(topic, id) ON e.topic = k.topic AND e.event_id = k.id`,

    /** $1 name, $2 topic, $3 queue, $4 filter names, $5 filter headers, $6 ordered, $7 max attempts, $8 backoff, $9 timeout, $10 now. */
    declareSubscription: `
      INSERT INTO ${subscriptions} (name, topic, queue, filter_names, filter_headers, ordered, max_attempts, backoff, timeout_ms, created_at,
                                    updated_at)
      VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, ${now(10)}, ${now(10)})
      ON CONFLICT (name) DO UPDATE SET filter_names = excluded.filter_names, filter_headers = excluded.filter_headers,
        ordered = excluded.ordered, max_attempts = excluded.max_attempts, backoff = excluded.backoff, timeout_ms = excluded.timeout_ms,
        updated_at = excluded.updated_at
      RETURNING *, (xmax = 0) AS created`,

    getSubscription: `SELECT * FROM ${subscriptions} WHERE name = $1`,

    /** $1 now. Each subscription with its unfinished deliveries and the age of the oldest waiting one. */
    listSubscriptions: `
      SELECT s.*, coalesce(b.n, 0)::int AS backlog, b.oldest, ${now(1)} AS now
      FROM ${subscriptions} s LEFT JOIN LATERAL (
        SELECT count(*) AS n, min(created_at) FILTER (WHERE status = 'waiting') AS oldest
        FROM ${jobs} WHERE queue = s.queue AND status IN ('waiting', 'active')
      ) b ON true
      ORDER BY s.name`,

    /**
     * $1 subscription, $2 after seq (exclusive) or null, $3 published at or after (ms) or null, $4 now.
     * Deliveries still waiting or running are not duplicated (the pending-unique index).
     */
    replay: `
      INSERT INTO ${jobs} ${deliveryColumns}
      SELECT ${delivery(now(4))}
      FROM ${subscriptions} s JOIN ${events} e ON e.topic = s.topic
      WHERE s.name = $1 AND ($2::bigint IS NULL OR e.seq > $2) AND ($3::bigint IS NULL OR e.published_at >= $3) AND ${matches}
      ORDER BY e.seq
      ON CONFLICT DO NOTHING
      RETURNING queue`,

    /** $1 topic, $2 event id. */
    eventSeq: `SELECT seq::text AS seq FROM ${events} WHERE topic = $1 AND event_id = $2`,

    listTopics: `
      SELECT t.name, t.created_at, t.retention_ms, coalesce(e.n, 0)::int AS events, e.last,
             (SELECT count(*) FROM ${subscriptions} s WHERE s.topic = t.name)::int AS subscriptions
      FROM "${s}".topics t LEFT JOIN LATERAL (
        SELECT count(*) AS n, max(published_at) AS last FROM ${events} WHERE topic = t.name
      ) e ON true
      ORDER BY t.name`,

    /** $1 topic, $2 after seq or null, $3 limit. Ordered by `e.seq`: a bare `seq` would sort by the text alias ("10" before "9"). */
    listEvents: `
      SELECT e.seq::text AS seq, event_id, topic, name, key, headers, payload, published_at FROM ${events} e
      WHERE topic = $1 AND ($2::bigint IS NULL OR e.seq > $2) ORDER BY e.seq LIMIT $3`,

    /** $1 topic, $2 retention ms or null, $3 now. */
    setRetention: `
      INSERT INTO "${s}".topics (name, created_at, retention_ms) VALUES ($1, ${now(3)}, $2)
      ON CONFLICT (name) DO UPDATE SET retention_ms = excluded.retention_ms`,

    /** $1 bucket (ms), $2 window (ms), $3 now. */
    eventRate: `
      SELECT (published_at / $1) * $1 AS at, topic, count(*)::int AS events
      FROM ${events} WHERE published_at >= ((${now(3)} - $2) / $1) * $1
      GROUP BY 1, 2 ORDER BY 1, 2`,

    /** $1 default retention ms, $2 now; a slice at a time. */
    pruneEvents: `
      DELETE FROM ${events} WHERE seq IN (
        SELECT e.seq FROM ${events} e LEFT JOIN "${s}".topics t ON t.name = e.topic
        WHERE e.published_at < ${now(2)} - coalesce(t.retention_ms, $1) LIMIT 10000)`,
  };
}
