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
  // Claims by a worker with a handler map look name by name in claim order, so waiting jobs of
  // names it does not handle cost it nothing (200,000 of them made each claim take 300 ms).
  (s) => `
  CREATE INDEX jobs_ready_named ON "${s}".jobs (queue, name, priority DESC, run_at, id) WHERE status = 'waiting';
  `,
  // Durable workflows: each job's steps (fenced writes, one row per step name), children with a
  // pending counter on the parent (lowered by a trigger that takes the parent's row lock, so two
  // children finishing at once cannot strand it), and wake-ups of runs waiting on an event or on
  // children (NOTIFY, as for new jobs, when a wake-up makes a job due).
  (s) => `
  ALTER TABLE "${s}".jobs ADD COLUMN parent_id bigint,
    ADD COLUMN pending_children integer NOT NULL DEFAULT 0,
    ADD COLUMN failed_children integer NOT NULL DEFAULT 0,
    ADD COLUMN woken boolean NOT NULL DEFAULT false;
  CREATE INDEX jobs_parent ON "${s}".jobs (parent_id) WHERE parent_id IS NOT NULL;
  CREATE TABLE "${s}".steps (
    job_id      bigint  NOT NULL REFERENCES "${s}".jobs (id) ON DELETE CASCADE,
    name        text    NOT NULL,
    ord         bigint  GENERATED ALWAYS AS IDENTITY,
    seq         integer,
    kind        text    NOT NULL,
    status      text    NOT NULL,
    result      json,
    error       json,
    attempts    integer NOT NULL DEFAULT 0,
    started_at  bigint  NOT NULL,
    finished_at bigint,
    until_at    bigint,
    detail      json,
    wait_topic  text,
    updated_at  bigint  NOT NULL,
    PRIMARY KEY (job_id, name)
  );
  CREATE INDEX steps_waiting ON "${s}".steps (wait_topic) WHERE wait_topic IS NOT NULL AND status = 'waiting';
  CREATE FUNCTION "${s}".child_finished() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE woke text;
  BEGIN
    UPDATE "${s}".jobs p SET
      run_at = CASE WHEN p.status = 'waiting' AND (p.pending_children <= 1 OR NEW.status <> 'completed') THEN least(p.run_at, NEW.updated_at) ELSE p.run_at END,
      pending_children = greatest(p.pending_children - 1, 0),
      failed_children = p.failed_children + CASE WHEN NEW.status = 'completed' THEN 0 ELSE 1 END
    WHERE p.id = NEW.parent_id
    RETURNING CASE WHEN p.status = 'waiting' AND p.run_at <= NEW.updated_at THEN p.queue END INTO woke;
    IF woke IS NOT NULL THEN PERFORM pg_notify('${s}_wake', woke); END IF;
    RETURN NULL;
  END $$;
  CREATE TRIGGER jobs_child_finished AFTER UPDATE OF status ON "${s}".jobs FOR EACH ROW
    WHEN (NEW.parent_id IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled', 'expired') AND OLD.status IN ('waiting', 'active'))
    EXECUTE FUNCTION "${s}".child_finished();
  CREATE FUNCTION "${s}".saga_on_cancel() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    IF EXISTS (SELECT 1 FROM "${s}".steps WHERE job_id = NEW.id AND status = 'completed' AND (detail->>'compensate')::boolean) THEN
      INSERT INTO "${s}".steps (job_id, name, kind, status, attempts, started_at, detail, updated_at)
      VALUES (NEW.id, '$saga', 'compensation', 'waiting', 0, NEW.updated_at, json_build_object('reason', 'cancelled'), NEW.updated_at)
      ON CONFLICT (job_id, name) DO NOTHING;
      INSERT INTO "${s}".jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at)
      VALUES (NEW.queue, NEW.name, NEW.payload, 'waiting', NEW.priority, NEW.max_attempts, NEW.backoff, NEW.timeout_ms,
              json_build_object('spool.compensates', NEW.id::text), NEW.updated_at, NEW.updated_at, NEW.updated_at);
    END IF;
    RETURN NULL;
  END $$;
  -- A cancelled workflow with compensable steps: the saga is marked and a compensation job (the
  -- same queue, name and payload, marked in its metadata) runs the compensations on any worker.
  CREATE TRIGGER jobs_saga_on_cancel AFTER UPDATE OF status ON "${s}".jobs FOR EACH ROW
    WHEN (NEW.status = 'cancelled' AND OLD.status IN ('waiting', 'active'))
    EXECUTE FUNCTION "${s}".saga_on_cancel();
  CREATE FUNCTION "${s}".event_wakes_waits() RETURNS trigger LANGUAGE plpgsql AS $$
  DECLARE woke text;
  BEGIN
    FOR woke IN
      UPDATE "${s}".jobs j SET woken = true,
        run_at = CASE WHEN j.status = 'waiting' THEN least(j.run_at, NEW.published_at) ELSE j.run_at END
      FROM "${s}".steps w
      WHERE w.wait_topic = NEW.topic AND w.status = 'waiting' AND j.id = w.job_id AND j.status IN ('waiting', 'active')
      RETURNING j.queue
    LOOP
      PERFORM pg_notify('${s}_wake', woke);
    END LOOP;
    RETURN NULL;
  END $$;
  CREATE TRIGGER events_wake_waits AFTER INSERT ON "${s}".events FOR EACH ROW EXECUTE FUNCTION "${s}".event_wakes_waits();
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
  // W3C trace context (traceparent, tracestate) of the enqueue or publish that created a job or an
  // event, so its attempts and deliveries join the producer's trace in whatever process runs them.
  (s) => `
  ALTER TABLE "${s}".jobs ADD COLUMN traceparent text, ADD COLUMN tracestate text;
  ALTER TABLE "${s}".events ADD COLUMN traceparent text, ADD COLUMN tracestate text;
  `,
  // Event streams: status and progress changes of jobs someone watches (an open stream marks its
  // job) are NOTIFYed, so every server's streams hear of them at once. The WHEN clause is checked
  // per row without calling the function, so claims and completions of jobs nobody watches (the
  // hot path) queue no trigger event at all.
  (s) => `
  ALTER TABLE "${s}".jobs ADD COLUMN watched boolean NOT NULL DEFAULT false;
  CREATE FUNCTION "${s}".notify_changed() RETURNS trigger LANGUAGE plpgsql AS $$
  BEGIN
    PERFORM pg_notify('${s}_changed', NEW.id::text);
    RETURN NULL;
  END $$;
  CREATE TRIGGER jobs_notify_changed AFTER UPDATE ON "${s}".jobs FOR EACH ROW
    WHEN (NEW.watched AND (OLD.status IS DISTINCT FROM NEW.status OR OLD.attempts IS DISTINCT FROM NEW.attempts
      OR OLD.progress::text IS DISTINCT FROM NEW.progress::text))
    EXECUTE FUNCTION "${s}".notify_changed();
  `,
  // Groups: a job enqueued with spool.group() carries its group's id in metadata.group; this
  // index counts a group's jobs per status without reading them.
  (s) => `
  CREATE INDEX jobs_group ON "${s}".jobs ((metadata->>'group'), status) WHERE (metadata->>'group') IS NOT NULL;
  `,
  // Each job's own log (ctx.log): its lines, every attempt's, in order, capped per job by the
  // writer; `dropped` marks the one line that says how many older lines went. Deleted with the job
  // (ON DELETE CASCADE, on the index that also serves reading a job's lines in order).
  (s) => `
  CREATE TABLE "${s}".job_logs (
    seq      bigint  GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
    job_id   bigint  NOT NULL REFERENCES "${s}".jobs (id) ON DELETE CASCADE,
    attempt  integer NOT NULL,
    level    text    NOT NULL,
    message  text    NOT NULL,
    fields   text,
    at       bigint  NOT NULL,
    dropped  integer
  );
  CREATE INDEX job_logs_job ON "${s}".job_logs (job_id, seq);
  `,
  // No statement reads jobs by parent (a child finishing updates its parent by id), so the index
  // only cost every row version its predicate, and every version of a workflow's child an insert.
  (s) => `
  DROP INDEX IF EXISTS "${s}".jobs_parent;
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
