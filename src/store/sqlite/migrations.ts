/** Numbered migrations; `PRAGMA user_version` records how many have run. Never edit one that shipped: add the next. */
export const sqliteMigrations: readonly string[] = [
  `
  CREATE TABLE spool_jobs (
    id               INTEGER PRIMARY KEY,
    queue            TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    payload          TEXT    NOT NULL,
    status           TEXT    NOT NULL,
    priority         INTEGER NOT NULL DEFAULT 0,
    attempts         INTEGER NOT NULL DEFAULT 0,
    max_attempts     INTEGER NOT NULL,
    backoff          TEXT    NOT NULL,
    timeout_ms       INTEGER,
    idempotency_key  TEXT,
    metadata         TEXT    NOT NULL DEFAULT '{}',
    progress         TEXT,
    result           TEXT,
    errors           TEXT    NOT NULL DEFAULT '[]',
    run_at           INTEGER NOT NULL,
    created_at       INTEGER NOT NULL,
    updated_at       INTEGER NOT NULL,
    started_at       INTEGER,
    finished_at      INTEGER,
    lease_token      TEXT,
    lease_expires_at INTEGER,
    worker_id        TEXT
  );
  -- The claim path: only waiting rows are indexed, in the order claims take them.
  CREATE INDEX spool_jobs_ready ON spool_jobs (queue, priority DESC, run_at, id) WHERE status = 'waiting';
  CREATE UNIQUE INDEX spool_jobs_idempotency ON spool_jobs (queue, idempotency_key) WHERE idempotency_key IS NOT NULL;
  -- Listing by status (and queue), and finding expired leases among the few active rows.
  CREATE INDEX spool_jobs_listing ON spool_jobs (status, queue, id);
  CREATE INDEX spool_jobs_finished ON spool_jobs (status, finished_at) WHERE finished_at IS NOT NULL;
  `,
  // Webhooks: reaching a final state enqueues the delivery in the same transaction, so an
  // outcome is never recorded without its callback being scheduled.
  `
  ALTER TABLE spool_jobs ADD COLUMN callback_url TEXT;
  CREATE TRIGGER spool_jobs_webhook AFTER UPDATE OF status ON spool_jobs
  WHEN NEW.callback_url IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled') AND OLD.status IS NOT NEW.status
  BEGIN
    INSERT INTO spool_jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at)
    VALUES ('spool.webhooks', 'deliver', json_object('jobId', CAST(NEW.id AS TEXT), 'url', NEW.callback_url, 'status', NEW.status),
            'waiting', 0, 10, '{"type":"exponential","base":1000,"cap":600000}', 30000, '{}', NEW.updated_at, NEW.updated_at, NEW.updated_at);
  END;
  `,
  `
  CREATE TABLE spool_backlog_samples (
    at      INTEGER NOT NULL,
    queue   TEXT    NOT NULL,
    waiting INTEGER NOT NULL,
    active  INTEGER NOT NULL,
    PRIMARY KEY (at, queue)
  );
  `,
  // A row per queue, for its policies and their live state (pause, limits, breakers). Created on
  // first use; existing queues get theirs here.
  `
  CREATE TABLE spool_queues (
    name       TEXT    PRIMARY KEY,
    created_at INTEGER NOT NULL,
    paused     INTEGER NOT NULL DEFAULT 0
  ) WITHOUT ROWID;
  INSERT INTO spool_queues (name, created_at) SELECT queue, min(created_at) FROM spool_jobs GROUP BY queue;
  `,
  // Ordering keys and pending-unique keys on jobs; the event bus: topics, their retained events,
  // and durable subscriptions.
  `
  ALTER TABLE spool_jobs ADD COLUMN ordering_key TEXT;
  ALTER TABLE spool_jobs ADD COLUMN unique_key TEXT;
  CREATE INDEX spool_jobs_ordering ON spool_jobs (queue, ordering_key, id)
    WHERE ordering_key IS NOT NULL AND status IN ('waiting', 'active');
  CREATE UNIQUE INDEX spool_jobs_unique_pending ON spool_jobs (queue, unique_key)
    WHERE unique_key IS NOT NULL AND status IN ('waiting', 'active');
  CREATE TABLE spool_topics (
    name         TEXT    PRIMARY KEY,
    created_at   INTEGER NOT NULL,
    retention_ms INTEGER
  ) WITHOUT ROWID;
  CREATE TABLE spool_events (
    seq          INTEGER PRIMARY KEY AUTOINCREMENT,
    topic        TEXT    NOT NULL,
    event_id     TEXT    NOT NULL,
    name         TEXT,
    key          TEXT,
    headers      TEXT    NOT NULL DEFAULT '{}',
    payload      TEXT    NOT NULL,
    published_at INTEGER NOT NULL,
    UNIQUE (topic, event_id)
  );
  CREATE INDEX spool_events_topic ON spool_events (topic, seq);
  CREATE INDEX spool_events_published ON spool_events (topic, published_at);
  CREATE TABLE spool_subscriptions (
    name           TEXT    PRIMARY KEY,
    topic          TEXT    NOT NULL,
    queue          TEXT    NOT NULL UNIQUE,
    filter_names   TEXT,
    filter_headers TEXT,
    ordered        INTEGER NOT NULL DEFAULT 1,
    max_attempts   INTEGER NOT NULL,
    backoff        TEXT    NOT NULL,
    timeout_ms     INTEGER,
    created_at     INTEGER NOT NULL,
    updated_at     INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX spool_subscriptions_topic ON spool_subscriptions (topic);
  `,
  // Flow control: queue policies, shared circuit breakers and rate-limit windows, per-key
  // concurrency, and expiry (a new final status, reported by webhook like the others).
  `
  ALTER TABLE spool_queues ADD COLUMN policy TEXT NOT NULL DEFAULT '{}';
  ALTER TABLE spool_queues ADD COLUMN guarded INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE spool_queues ADD COLUMN refuse_when_paused INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE spool_queues ADD COLUMN max_depth INTEGER;
  ALTER TABLE spool_jobs ADD COLUMN concurrency_key TEXT;
  ALTER TABLE spool_jobs ADD COLUMN rate_key TEXT;
  ALTER TABLE spool_jobs ADD COLUMN expires_at INTEGER;
  CREATE INDEX spool_jobs_active_keys ON spool_jobs (queue, concurrency_key) WHERE status = 'active' AND concurrency_key IS NOT NULL;
  CREATE INDEX spool_jobs_expiring ON spool_jobs (expires_at) WHERE status = 'waiting' AND expires_at IS NOT NULL;
  CREATE TABLE spool_breakers (
    name       TEXT    PRIMARY KEY,
    policy     TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE TABLE spool_rate_windows (
    scope      TEXT    NOT NULL,
    key        TEXT    NOT NULL,
    state      TEXT    NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (scope, key)
  ) WITHOUT ROWID;
  DROP TRIGGER spool_jobs_webhook;
  CREATE TRIGGER spool_jobs_webhook AFTER UPDATE OF status ON spool_jobs
  WHEN NEW.callback_url IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled', 'expired') AND OLD.status IS NOT NEW.status
  BEGIN
    INSERT INTO spool_jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at)
    VALUES ('spool.webhooks', 'deliver', json_object('jobId', CAST(NEW.id AS TEXT), 'status', NEW.status),
            'waiting', 0, 10, '{"type":"exponential","base":1000,"cap":600000}', 30000, '{}', NEW.updated_at, NEW.updated_at, NEW.updated_at);
  END;
  `,
  // Deduplication windows, debounce and singletons: one key column, written as "<mode>:<key>".
  `
  ALTER TABLE spool_jobs ADD COLUMN dedupe_key TEXT;
  CREATE INDEX spool_jobs_dedupe ON spool_jobs (queue, dedupe_key, id) WHERE dedupe_key IS NOT NULL;
  `,
  // 8. The registry of running workers: one row per worker (a claim loop on one queue), kept alive
  // by beats and forgotten once silent. `names` is a JSON array, or NULL for a worker that takes
  // every name; `session_key` is PostgreSQL's advisory lock key and stays NULL here.
  `
  CREATE TABLE spool_workers (
    id           TEXT    PRIMARY KEY,
    session      TEXT    NOT NULL,
    session_key  INTEGER,
    host         TEXT    NOT NULL,
    pid          INTEGER NOT NULL,
    version      TEXT    NOT NULL,
    queue        TEXT    NOT NULL,
    names        TEXT,
    concurrency  INTEGER NOT NULL,
    in_flight    INTEGER NOT NULL,
    started_at   INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX spool_workers_queue ON spool_workers (queue);
  `,
  // Claims by a worker with a handler map look name by name in claim order, so waiting jobs of
  // names it does not handle cost it nothing (200,000 of them made each claim take over 300 ms).
  `
  CREATE INDEX spool_jobs_ready_named ON spool_jobs (queue, name, priority DESC, run_at, id) WHERE status = 'waiting';
  `,
  // Durable workflows: each job's steps (fenced writes, one row per step name), children with a
  // pending counter on the parent (lowered by a trigger under the write lock, so two children
  // finishing at once cannot strand it), and wake-ups of runs waiting on an event or on children.
  `
  ALTER TABLE spool_jobs ADD COLUMN parent_id INTEGER;
  ALTER TABLE spool_jobs ADD COLUMN pending_children INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE spool_jobs ADD COLUMN failed_children INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE spool_jobs ADD COLUMN woken INTEGER NOT NULL DEFAULT 0;
  CREATE INDEX spool_jobs_parent ON spool_jobs (parent_id) WHERE parent_id IS NOT NULL;
  CREATE TABLE spool_steps (
    job_id      INTEGER NOT NULL,
    name        TEXT    NOT NULL,
    seq         INTEGER,
    kind        TEXT    NOT NULL,
    status      TEXT    NOT NULL,
    result      TEXT,
    error       TEXT,
    attempts    INTEGER NOT NULL DEFAULT 0,
    started_at  INTEGER NOT NULL,
    finished_at INTEGER,
    until_at    INTEGER,
    detail      TEXT,
    wait_topic  TEXT,
    updated_at  INTEGER NOT NULL,
    UNIQUE (job_id, name)
  );
  CREATE INDEX spool_steps_waiting ON spool_steps (wait_topic) WHERE wait_topic IS NOT NULL AND status = 'waiting';
  CREATE TRIGGER spool_steps_forget AFTER DELETE ON spool_jobs BEGIN
    DELETE FROM spool_steps WHERE job_id = OLD.id;
  END;
  CREATE TRIGGER spool_jobs_child_finished AFTER UPDATE OF status ON spool_jobs
  WHEN NEW.parent_id IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled', 'expired') AND OLD.status IN ('waiting', 'active')
  BEGIN
    UPDATE spool_jobs SET
      run_at = CASE WHEN status = 'waiting' AND (pending_children <= 1 OR NEW.status <> 'completed') THEN min(run_at, NEW.updated_at) ELSE run_at END,
      pending_children = max(pending_children - 1, 0),
      failed_children = failed_children + (NEW.status <> 'completed')
    WHERE id = NEW.parent_id;
  END;
  -- A cancelled workflow with compensable steps: the saga is marked and a compensation job (the
  -- same queue, name and payload, marked in its metadata) runs the compensations on any worker.
  CREATE TRIGGER spool_jobs_saga_on_cancel AFTER UPDATE OF status ON spool_jobs
  WHEN NEW.status = 'cancelled' AND OLD.status IN ('waiting', 'active')
    AND EXISTS (SELECT 1 FROM spool_steps WHERE job_id = NEW.id AND status = 'completed' AND json_extract(detail, '$.compensate') = 1)
  BEGIN
    INSERT INTO spool_steps (job_id, name, kind, status, attempts, started_at, detail, updated_at)
    VALUES (NEW.id, '$saga', 'compensation', 'waiting', 0, NEW.updated_at, json_object('reason', 'cancelled'), NEW.updated_at)
    ON CONFLICT (job_id, name) DO NOTHING;
    INSERT INTO spool_jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at)
    VALUES (NEW.queue, NEW.name, NEW.payload, 'waiting', NEW.priority, NEW.max_attempts, NEW.backoff, NEW.timeout_ms,
            json_object('spool.compensates', CAST(NEW.id AS TEXT)), NEW.updated_at, NEW.updated_at, NEW.updated_at);
  END;
  -- The WHEN keeps a publish nobody waits for at one index probe: without it, SQLite ran the
  -- UPDATE for every event and scanned the waiting jobs each time (a 20,000-event fan-out: 50 s).
  CREATE TRIGGER spool_events_wake_waits AFTER INSERT ON spool_events
  WHEN EXISTS (SELECT 1 FROM spool_steps WHERE wait_topic = NEW.topic AND status = 'waiting')
  BEGIN
    UPDATE spool_jobs SET woken = 1, run_at = CASE WHEN status = 'waiting' THEN min(run_at, NEW.published_at) ELSE run_at END
    WHERE id IN (SELECT job_id FROM spool_steps WHERE wait_topic = NEW.topic AND status = 'waiting')
      AND status IN ('waiting', 'active');
  END;
  `,
  // Cron schedules: one row each. `next_run_at` is the next tick not yet enqueued (NULL: not
  // computed yet, after a create or a change of cron or timezone); a tick moves it forward with a
  // compare-and-set, and the tick's job carries an idempotency key, so one job per tick however
  // many processes tick at once.
  `
  CREATE TABLE spool_schedules (
    name         TEXT    PRIMARY KEY,
    cron         TEXT    NOT NULL,
    timezone     TEXT,
    queue        TEXT    NOT NULL,
    job_name     TEXT    NOT NULL,
    payload      TEXT    NOT NULL,
    options      TEXT    NOT NULL,
    missed       TEXT    NOT NULL,
    next_run_at  INTEGER,
    last_run_at  INTEGER,
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
  ) WITHOUT ROWID;
  CREATE INDEX spool_schedules_next ON spool_schedules (next_run_at);
  `,
  // W3C trace context (traceparent, tracestate) of the enqueue or publish that created a job or an
  // event, so its attempts and deliveries join the producer's trace in whatever process runs them.
  `
  ALTER TABLE spool_jobs ADD COLUMN traceparent TEXT;
  ALTER TABLE spool_jobs ADD COLUMN tracestate TEXT;
  ALTER TABLE spool_events ADD COLUMN traceparent TEXT;
  ALTER TABLE spool_events ADD COLUMN tracestate TEXT;
  `,
  // Groups: a job enqueued with spool.group() carries its group's id in metadata.group; this
  // index counts a group's jobs per status without reading them.
  `
  CREATE INDEX spool_jobs_group ON spool_jobs (json_extract(metadata, '$.group'), status)
    WHERE json_extract(metadata, '$.group') IS NOT NULL;
  `,
  // Each job's own log (ctx.log): its lines, every attempt's, in order (seq is the rowid), capped
  // per job by the writer; `dropped` marks the one line that says how many older lines went.
  // Deleted with the job by a trigger, as its steps are.
  `
  CREATE TABLE spool_job_logs (
    seq      INTEGER PRIMARY KEY,
    job_id   INTEGER NOT NULL,
    attempt  INTEGER NOT NULL,
    level    TEXT    NOT NULL,
    message  TEXT    NOT NULL,
    fields   TEXT,
    at       INTEGER NOT NULL,
    dropped  INTEGER
  );
  CREATE INDEX spool_job_logs_job ON spool_job_logs (job_id, seq);
  CREATE TRIGGER spool_job_logs_forget AFTER DELETE ON spool_jobs BEGIN
    DELETE FROM spool_job_logs WHERE job_id = OLD.id;
  END;
  `,
  // The triggers on a final status fire on finished_at, which only the statements that may end a job
  // set (complete, fail, cancel, expiry, the lease and orphan rescues), no longer on status: a claim
  // (waiting -> active, 50 rows a statement) ran all three trigger programs per row for nothing,
  // about 11,000 CPU instructions per job of a claim and completion that cost 236,000. Bodies and
  // conditions unchanged. A new statement that gives a job a final status must set finished_at.
  `
  DROP TRIGGER spool_jobs_webhook;
  DROP TRIGGER spool_jobs_child_finished;
  DROP TRIGGER spool_jobs_saga_on_cancel;
  CREATE TRIGGER spool_jobs_webhook AFTER UPDATE OF finished_at ON spool_jobs
  WHEN NEW.callback_url IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled', 'expired') AND OLD.status IS NOT NEW.status
  BEGIN
    INSERT INTO spool_jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at)
    VALUES ('spool.webhooks', 'deliver', json_object('jobId', CAST(NEW.id AS TEXT), 'status', NEW.status),
            'waiting', 0, 10, '{"type":"exponential","base":1000,"cap":600000}', 30000, '{}', NEW.updated_at, NEW.updated_at, NEW.updated_at);
  END;
  CREATE TRIGGER spool_jobs_child_finished AFTER UPDATE OF finished_at ON spool_jobs
  WHEN NEW.parent_id IS NOT NULL AND NEW.status IN ('completed', 'failed', 'cancelled', 'expired') AND OLD.status IN ('waiting', 'active')
  BEGIN
    UPDATE spool_jobs SET
      run_at = CASE WHEN status = 'waiting' AND (pending_children <= 1 OR NEW.status <> 'completed') THEN min(run_at, NEW.updated_at) ELSE run_at END,
      pending_children = max(pending_children - 1, 0),
      failed_children = failed_children + (NEW.status <> 'completed')
    WHERE id = NEW.parent_id;
  END;
  CREATE TRIGGER spool_jobs_saga_on_cancel AFTER UPDATE OF finished_at ON spool_jobs
  WHEN NEW.status = 'cancelled' AND OLD.status IN ('waiting', 'active')
    AND EXISTS (SELECT 1 FROM spool_steps WHERE job_id = NEW.id AND status = 'completed' AND json_extract(detail, '$.compensate') = 1)
  BEGIN
    INSERT INTO spool_steps (job_id, name, kind, status, attempts, started_at, detail, updated_at)
    VALUES (NEW.id, '$saga', 'compensation', 'waiting', 0, NEW.updated_at, json_object('reason', 'cancelled'), NEW.updated_at)
    ON CONFLICT (job_id, name) DO NOTHING;
    INSERT INTO spool_jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at)
    VALUES (NEW.queue, NEW.name, NEW.payload, 'waiting', NEW.priority, NEW.max_attempts, NEW.backoff, NEW.timeout_ms,
            json_object('spool.compensates', CAST(NEW.id AS TEXT)), NEW.updated_at, NEW.updated_at, NEW.updated_at);
  END;
  `,
  // Event streams: status, attempts and progress changes (and deletions) of jobs someone watches
  // (an open stream marks its job) go to a short log, so a server's change feed reads what changed
  // since its last look instead of every watched job (10,000 streams: 10,000 rows a read). The
  // WHEN clauses keep jobs nobody watches off it; the log keeps its last 10,000 entries, and a
  // reader that fell further behind reads every watched job once.
  `
  ALTER TABLE spool_jobs ADD COLUMN watched INTEGER NOT NULL DEFAULT 0;
  CREATE TABLE spool_job_changes (seq INTEGER PRIMARY KEY, job_id INTEGER NOT NULL);
  CREATE TRIGGER spool_jobs_watched_change AFTER UPDATE OF status, attempts, progress ON spool_jobs
    WHEN NEW.watched = 1
      AND (OLD.status IS NOT NEW.status OR OLD.attempts IS NOT NEW.attempts OR OLD.progress IS NOT NEW.progress)
  BEGIN
    INSERT INTO spool_job_changes (job_id) VALUES (NEW.id);
    DELETE FROM spool_job_changes WHERE seq <= (SELECT max(seq) FROM spool_job_changes) - 10000;
  END;
  CREATE TRIGGER spool_jobs_watched_delete AFTER DELETE ON spool_jobs WHEN OLD.watched = 1
  BEGIN
    INSERT INTO spool_job_changes (job_id) VALUES (OLD.id);
    DELETE FROM spool_job_changes WHERE seq <= (SELECT max(seq) FROM spool_job_changes) - 10000;
  END;
  `,
];
