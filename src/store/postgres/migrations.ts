/**
 * Numbered migrations, each a function of the schema name. `migrations` records which ran.
 * Never edit one that shipped: add the next.
 */
import type pg from 'pg';
import { InvalidArgumentError } from '../../core/errors.js';
import { refusalError, toStoreError } from './connection-errors.js';

export const postgresMigrations: readonly ((schema: string) => string)[] = [
  (s) => `
  CREATE TABLE "${s}".jobs (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    queue            text    NOT NULL,
    name             text    NOT NULL,
    payload          json    NOT NULL,
    status           text    NOT NULL,
    priority         integer NOT NULL DEFAULT 0,
    attempts         integer NOT NULL DEFAULT 0,
    max_attempts     integer NOT NULL,
    backoff          json    NOT NULL,
    timeout_ms       bigint,
    idempotency_key  text,
    metadata         json    NOT NULL DEFAULT '{}',
    progress         json,
    result           json,
    errors           jsonb   NOT NULL DEFAULT '[]',
    run_at           bigint  NOT NULL,
    created_at       bigint  NOT NULL,
    updated_at       bigint  NOT NULL,
    started_at       bigint,
    finished_at      bigint,
    lease_token      text,
    lease_expires_at bigint,
    worker_id        text
  );
  -- The claim path: only waiting rows are indexed, in the order claims take them.
  CREATE INDEX jobs_ready ON "${s}".jobs (queue, priority DESC, run_at, id) WHERE status = 'waiting';
  CREATE UNIQUE INDEX jobs_idempotency ON "${s}".jobs (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
  -- Listing by status (and queue), and finding expired leases among the few active rows.
  CREATE INDEX jobs_listing ON "${s}".jobs (status, queue, id);
  CREATE INDEX jobs_finished ON "${s}".jobs (status, finished_at) WHERE finished_at IS NOT NULL;

  -- One notification per statement and queue, delivered on commit: a job enqueued inside the
  -- caller's transaction wakes workers only if that transaction commits.
  CREATE FUNCTION "${s}".notify_ready() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('${s}_wake', q.queue) FROM (SELECT DISTINCT queue FROM new_rows) AS q;
    RETURN NULL;
  END $$;
  CREATE TRIGGER jobs_notify_ready AFTER INSERT ON "${s}".jobs
    REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT EXECUTE FUNCTION "${s}".notify_ready();
  `,
  // Webhooks: reaching a final state enqueues the delivery in the same transaction, so an
  // outcome is never recorded without its callback being scheduled.
  (s) => `
  ALTER TABLE "${s}".jobs ADD COLUMN callback_url text;
  CREATE FUNCTION "${s}".schedule_webhook() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    INSERT INTO "${s}".jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at)
    VALUES ('spool.webhooks', 'deliver', json_build_object('jobId', NEW.id::text, 'url', NEW.callback_url, 'status', NEW.status),
            'waiting', 0, 10, '{"type":"exponential","base":1000,"cap":600000}', 30000, '{}', NEW.updated_at, NEW.updated_at, NEW.updated_at);
    RETURN NULL;
  END $$;
  CREATE TRIGGER jobs_schedule_webhook AFTER UPDATE OF status ON "${s}".jobs FOR EACH ROW
    WHEN (NEW.callback_url IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION "${s}".schedule_webhook();
  `,
  (s) => `
  CREATE TABLE "${s}".backlog_samples (
    at      bigint  NOT NULL,
    queue   text    NOT NULL,
    waiting integer NOT NULL,
    active  integer NOT NULL,
    PRIMARY KEY (at, queue)
  );
  `,
  // A row per queue, for its policies and their live state (pause, limits, breakers). Created on
  // first use; existing queues get theirs here.
  (s) => `
  CREATE TABLE "${s}".queues (
    name       text    PRIMARY KEY,
    created_at bigint  NOT NULL,
    paused     boolean NOT NULL DEFAULT false
  );
  INSERT INTO "${s}".queues (name, created_at)
  SELECT queue, min(created_at) FROM "${s}".jobs GROUP BY queue;
  `,
  // Ordering keys and pending-unique keys on jobs; the event bus: topics, their retained events,
  // and durable subscriptions. A publish inserts its event and one delivery job per matching
  // subscription in one statement.
  (s) => `
  ALTER TABLE "${s}".jobs ADD COLUMN ordering_key text, ADD COLUMN unique_key text;
  -- Claims look for an earlier unfinished job of the same key; only keyed, unfinished rows are indexed.
  CREATE INDEX jobs_ordering ON "${s}".jobs (queue, ordering_key, id)
    WHERE ordering_key IS NOT NULL AND status IN ('waiting', 'active');
  -- At most one unfinished job per queue and unique key (a replay never duplicates a pending delivery).
  CREATE UNIQUE INDEX jobs_unique_pending ON "${s}".jobs (queue, unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('waiting', 'active');
  CREATE TABLE "${s}".topics (
    name         text   PRIMARY KEY,
    created_at   bigint NOT NULL,
    retention_ms bigint
  );
  CREATE TABLE "${s}".events (
    seq          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    topic        text   NOT NULL,
    event_id     text   NOT NULL,
    name         text,
    key          text,
    headers      jsonb  NOT NULL DEFAULT '{}',
    payload      json   NOT NULL,
    published_at bigint NOT NULL,
    UNIQUE (topic, event_id)
  );
  CREATE INDEX events_topic ON "${s}".events (topic, seq);
  CREATE INDEX events_published ON "${s}".events (topic, published_at);
  CREATE TABLE "${s}".subscriptions (
    name           text    PRIMARY KEY,
    topic          text    NOT NULL,
    queue          text    NOT NULL UNIQUE,
    filter_names   text[],
    filter_headers jsonb,
    ordered        boolean NOT NULL DEFAULT true,
    max_attempts   integer NOT NULL,
    backoff        json    NOT NULL,
    timeout_ms     bigint,
    created_at     bigint  NOT NULL,
    updated_at     bigint  NOT NULL
  );
  CREATE INDEX subscriptions_topic ON "${s}".subscriptions (topic);
  `,
  // Flow control: queue policies (concurrency caps, rate limits, max depth, breakers), shared
  // circuit breakers and rate-limit windows, per-key concurrency, and expiry (a new final status,
  // reported by webhook like the others).
  (s) => `
  ALTER TABLE "${s}".queues ADD COLUMN policy jsonb NOT NULL DEFAULT '{}', ADD COLUMN guarded boolean NOT NULL DEFAULT false,
    ADD COLUMN refuse_when_paused boolean NOT NULL DEFAULT false, ADD COLUMN max_depth integer;
  ALTER TABLE "${s}".jobs ADD COLUMN concurrency_key text, ADD COLUMN rate_key text, ADD COLUMN expires_at bigint;
  CREATE INDEX jobs_active_keys ON "${s}".jobs (queue, concurrency_key) WHERE status = 'active' AND concurrency_key IS NOT NULL;
  CREATE INDEX jobs_expiring ON "${s}".jobs (expires_at) WHERE status = 'waiting' AND expires_at IS NOT NULL;
  CREATE TABLE "${s}".breakers (
    name       text   PRIMARY KEY,
    policy     jsonb  NOT NULL,
    state      jsonb  NOT NULL,
    updated_at bigint NOT NULL
  );
  CREATE TABLE "${s}".rate_windows (
    scope      text   NOT NULL,
    key        text   NOT NULL,
    state      jsonb  NOT NULL,
    updated_at bigint NOT NULL,
    PRIMARY KEY (scope, key)
  );
  DROP TRIGGER jobs_schedule_webhook ON "${s}".jobs;
  CREATE TRIGGER jobs_schedule_webhook AFTER UPDATE OF status ON "${s}".jobs FOR EACH ROW
    WHEN (NEW.callback_url IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled', 'expired') AND OLD.status IS DISTINCT FROM NEW.status)
    EXECUTE FUNCTION "${s}".schedule_webhook();
  `,
  // Deduplication windows, debounce and singletons: one key column, written as "<mode>:<key>".
  (s) => `
  ALTER TABLE "${s}".jobs ADD COLUMN dedupe_key text;
  CREATE INDEX jobs_dedupe ON "${s}".jobs (queue, dedupe_key, id) WHERE dedupe_key IS NOT NULL;
  `,
  // 8. The registry of running workers: one row per worker (a claim loop on one queue), kept alive
  // by beats and forgotten once silent. `names` is a JSON array, or NULL for a worker that takes
  // every name. `session_key` is the advisory lock its store session holds on its LISTEN
  // connection, so a process that died is visible at once, without waiting for beats to stop.
  (s) => `
  CREATE TABLE "${s}".workers (
    id           text    PRIMARY KEY,
    session      text    NOT NULL,
    session_key  integer,
    host         text    NOT NULL,
    pid          integer NOT NULL,
    version      text    NOT NULL,
    queue        text    NOT NULL,
    names        json,
    concurrency  integer NOT NULL,
    in_flight    integer NOT NULL,
    started_at   bigint  NOT NULL,
    heartbeat_at bigint  NOT NULL
  );
  CREATE INDEX workers_queue ON "${s}".workers (queue);
  `,
  // Cron schedules: one row each. `next_run_at` is the next tick not yet enqueued (NULL: not
  // computed yet, after a create or a change of cron or timezone); a tick moves it forward with a
  // compare-and-set, and the tick's job carries an idempotency key, so one job per tick however
  // many processes tick at once.
  (s) => `
  CREATE TABLE "${s}".schedules (
    name         text   PRIMARY KEY,
    cron         text   NOT NULL,
    timezone     text,
    queue        text   NOT NULL,
    job_name     text   NOT NULL,
    payload      json   NOT NULL,
    options      json   NOT NULL,
    missed       json   NOT NULL,
    next_run_at  bigint,
    last_run_at  bigint,
    created_at   bigint NOT NULL,
    updated_at   bigint NOT NULL
  );
  CREATE INDEX schedules_next ON "${s}".schedules (next_run_at);
  `,
  // Groups: a job enqueued with spool.group() carries its group's id in metadata.group; this
  // index counts a group's jobs per status without reading them.
  (s) => `
  CREATE INDEX jobs_group ON "${s}".jobs ((metadata->>'group'), status) WHERE (metadata->>'group') IS NOT NULL;
  `,
];

/** Applies pending migrations in one transaction; safe when many processes start at once. */
export async function migrate(pool: pg.Pool, schema: string, where: string): Promise<void> {
  const client = await pool.connect().catch((err: unknown) => {
    throw toStoreError(err, where);
  });
  try {
    await client.query('BEGIN');
    // Serialises concurrent starts; taken before CREATE SCHEMA, which itself races.
    await client.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`spool:migrate:${schema}`]);
    await client.query(`CREATE SCHEMA IF NOT EXISTS "${schema}"`);
    await client.query(
      `CREATE TABLE IF NOT EXISTS "${schema}".migrations (version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`,
    );
    const { rows } = await client.query<{ version: number }>(`SELECT coalesce(max(version), 0) AS version FROM "${schema}".migrations`);
    const current = rows[0]?.version ?? 0;
    if (current > postgresMigrations.length) {
      throw new InvalidArgumentError(
        `Schema "${schema}" was migrated by a newer Spool (version ${current}; this one knows ${postgresMigrations.length}). Upgrade Spool.`,
      );
    }
    for (let version = current + 1; version <= postgresMigrations.length; version++) {
      await client.query((postgresMigrations[version - 1] as (s: string) => string)(schema));
      await client.query(`INSERT INTO "${schema}".migrations (version) VALUES ($1)`, [version]);
    }
    await client.query('COMMIT');
  } catch (err) {
    await client.query('ROLLBACK').catch(() => {});
    throw refusalError(err, where) ?? toStoreError(err, where);
  } finally {
    client.release();
  }
}
