import { claimedColumns } from '../row.js';

/**
 * Every statement the SQLite store runs, one per operation, beside PostgreSQL's in
 * `../postgres/statements.ts` so the two dialects read operation by operation. SQLite runs a
 * batch as one transaction of these prepared statements, a row at a time; "now" is always a
 * parameter (one machine, one clock, read in one place by the store).
 */
/**
 * A job with an ordering key may run only when no earlier job of its queue and key is still
 * waiting or active: one at a time per key, in enqueue order; a retrying job holds its key.
 */
const orderingHeadOnly = `(j.ordering_key IS NULL OR NOT EXISTS (
      SELECT 1 FROM spool_jobs o WHERE o.queue = j.queue AND o.ordering_key = j.ordering_key
        AND o.status IN ('waiting', 'active') AND o.id < j.id))`;

/**
 * What a plain claim may take besides being due (?3 is now, ?5 the queue): not expired, the head
 * of its ordering key, and from a queue that is neither paused nor guarded (those go through
 * the guarded claim in `limits.ts`).
 */
const claimable = `(j.expires_at IS NULL OR j.expires_at > ?3) AND ${orderingHeadOnly}
      AND NOT EXISTS (SELECT 1 FROM spool_queues q WHERE q.name = ?5 AND (q.paused OR q.guarded))`;

export const sqliteStatements = {
  insert: `
    INSERT INTO spool_jobs (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, idempotency_key, metadata,
                            run_at, created_at, updated_at, callback_url, ordering_key, concurrency_key, rate_key, expires_at, dedupe_key,
                            traceparent, tracestate)
    VALUES (?, ?, ?, 'waiting', ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
    ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING`,

  existingByKey: 'SELECT * FROM spool_jobs WHERE queue = ? AND idempotency_key = ?',

  /** The job a keyed enqueue returns instead of inserting: within the dedupe window, or still waiting. */
  findKeyed: `
    SELECT * FROM spool_jobs WHERE queue = :queue AND dedupe_key = :key AND (:after IS NULL OR created_at > :after)
      AND (NOT :waitingOnly OR status = 'waiting')
    ORDER BY id DESC LIMIT 1`,

  debounce: `UPDATE spool_jobs SET payload = :payload, run_at = :runAt, updated_at = :now WHERE id = :id RETURNING *`,

  /** ?1 queue, ?2 now: whether it may refuse jobs (max depth, paused and refusing), and its drain in the last minute. */
  queueRoom: `
    SELECT q.max_depth, q.paused, q.refuse_when_paused,
           (SELECT count(*) FROM spool_jobs WHERE queue = q.name AND status = 'waiting') AS waiting,
           (SELECT count(*) FROM spool_jobs WHERE queue = q.name AND status IN ('completed', 'failed') AND finished_at >= ?2 - 60000) AS drained
    FROM spool_queues q WHERE q.name = ?1 AND (q.max_depth IS NOT NULL OR (q.paused AND q.refuse_when_paused))`,

  /** ?1 name, ?2 now. */
  ensureQueue: 'INSERT INTO spool_queues (name, created_at) VALUES (?1, ?2) ON CONFLICT (name) DO NOTHING',

  listQueues: 'SELECT name, created_at, paused, refuse_when_paused, max_depth, policy, guarded FROM spool_queues ORDER BY name',

  getQueue: 'SELECT name, created_at, paused, refuse_when_paused, max_depth, policy, guarded FROM spool_queues WHERE name = ?',

  /** A read first: see SqliteStore.claim. */
  anyReady: `SELECT 1 FROM spool_jobs WHERE queue = ? AND status = 'waiting' AND run_at <= ? LIMIT 1`,

  /** ?1 token, ?2 lease expiry, ?3 now, ?4 worker, ?5 queue, ?6 limit, ?7 ids not to claim (a JSON array) or null. */
  claim: `
    UPDATE spool_jobs SET status = 'active', attempts = attempts + 1, lease_token = ?1, lease_expires_at = ?2,
           started_at = ?3, updated_at = ?3, worker_id = ?4
    WHERE id IN (SELECT id FROM spool_jobs j WHERE queue = ?5 AND status = 'waiting' AND run_at <= ?3 AND ${claimable}
                 AND (?7 IS NULL OR id NOT IN (SELECT value FROM json_each(?7)))
                 ORDER BY priority DESC, run_at, id LIMIT ?6)
    RETURNING ${claimedColumns}`,

  /**
   * The next ?2 jobs of name ?1 a claim may take, in claim order on spool_jobs_ready_named (?3 now,
   * ?4 ids not to claim or null, ?5 queue): a worker with a handler map reads name by name, so
   * waiting jobs of names it does not handle are never read (see SqliteStore.claim).
   */
  readyNamed: `
    SELECT id, priority, run_at FROM spool_jobs j WHERE queue = ?5 AND name = ?1 AND status = 'waiting' AND run_at <= ?3 AND ${claimable}
      AND (?4 IS NULL OR id NOT IN (SELECT value FROM json_each(?4)))
    ORDER BY priority DESC, run_at, id LIMIT ?2`,

  /**
   * As claim, for the ids in ?5 (a JSON array) that are still waiting. `+status`: found by id, never
   * through an index on status, which would walk every waiting job.
   */
  claimIds: `
    UPDATE spool_jobs SET status = 'active', attempts = attempts + 1, lease_token = ?1, lease_expires_at = ?2,
           started_at = ?3, updated_at = ?3, worker_id = ?4
    WHERE id IN (SELECT value FROM json_each(?5)) AND +status = 'waiting'
    RETURNING ${claimedColumns}`,

  /**
   * ?1 now, ?2 the batch as a JSON array of [id, token, result JSON text]. A token that still matches
   * is accepted even after the lease expired and the job was taken back, until another worker
   * claims it (see the contract). One statement for the batch, not one per job: each run of a
   * statement on spool_jobs sets up its triggers' frames (tens of KB zeroed), which made a
   * completion cost about twice what its row change did. `+status`: found by id, never through an
   * index on status.
   */
  complete: `
    UPDATE spool_jobs SET status = 'completed', result = c.value ->> 2, finished_at = ?1, updated_at = ?1, lease_token = NULL,
           lease_expires_at = NULL
    FROM json_each(?2) c
    WHERE spool_jobs.id = CAST(c.value ->> 0 AS INTEGER) AND spool_jobs.lease_token = c.value ->> 1
      AND +spool_jobs.status IN ('active', 'waiting', 'failed')
    RETURNING spool_jobs.id`,

  /** ?1 retry delay or null, ?2 now, ?3 error JSON, ?4 id, ?5 token. */
  fail: `
    UPDATE spool_jobs SET
      status = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts THEN 'waiting' ELSE 'failed' END,
      run_at = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts THEN ?2 + ?1 ELSE run_at END,
      finished_at = CASE WHEN ?1 IS NOT NULL AND attempts < max_attempts THEN NULL ELSE ?2 END,
      errors = json_insert(errors, '$[#]', json_set(json(?3), '$.at', ?2)),
      updated_at = ?2, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
    WHERE id = ?4 AND lease_token = ?5 AND status IN ('active', 'waiting', 'failed')
    RETURNING id, status, run_at`,

  /** ?1 expiry, ?2 now, ?3 id, ?4 token. */
  heartbeat: `UPDATE spool_jobs SET lease_expires_at = ?1, updated_at = ?2 WHERE id = ?3 AND lease_token = ?4 AND status = 'active'`,

  /** What became of a lease a heartbeat could not extend. */
  leaseState: 'SELECT status, lease_token FROM spool_jobs WHERE id = ?',

  /** ?1 now, ?2 run at, ?3 id, ?4 token. */
  release: `
    UPDATE spool_jobs SET status = 'waiting', attempts = attempts - 1, updated_at = ?1, run_at = ?2, started_at = NULL,
           lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
    WHERE id = ?3 AND lease_token = ?4 AND status = 'active' RETURNING queue`,

  progress: `UPDATE spool_jobs SET progress = ?, updated_at = ? WHERE id = ? AND lease_token = ? AND status = 'active'`,

  /**
   * ?1 now, ?2 message, ?3 the user message when attempts ran out, ?4 when the job runs again.
   * The lease token stays, as on PostgreSQL.
   */
  rescueExpired: `
    UPDATE spool_jobs SET
      status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'waiting' END,
      finished_at = CASE WHEN attempts >= max_attempts THEN ?1 ELSE NULL END,
      errors = json_insert(errors, '$[#]', json_object('message', ?2,
               'userMessage', CASE WHEN attempts >= max_attempts THEN ?3 ELSE ?4 END, 'code', 'SPOOL_LEASE_EXPIRED', 'name', 'LeaseExpiredError',
               'attempt', attempts, 'at', ?1, 'final', json(CASE WHEN attempts >= max_attempts THEN 'true' ELSE 'false' END))),
      run_at = ?1, updated_at = ?1, lease_expires_at = NULL, worker_id = NULL
    WHERE status = 'active' AND lease_expires_at < ?1`,

  getJob: 'SELECT * FROM spool_jobs WHERE id = ?',

  /** ?1 group id, ?2 since: its jobs per status, and how many finished since ?2 (on spool_jobs_group). */
  groupCounts: `
    SELECT status, count(*) AS n, sum(CASE WHEN finished_at >= ?2 THEN 1 ELSE 0 END) AS recent
    FROM spool_jobs WHERE json_extract(metadata, '$.group') = ?1 AND json_extract(metadata, '$.group') IS NOT NULL
    GROUP BY status`,

  /**
   * ?1 id, ?2 since. A waiting job's place in the claim order (priority DESC, run_at, id): the
   * waiting jobs of its queue before it, counted as two ranges of the ready index, and the jobs of
   * its queue that finished since ?2 (the recent drain). No row for a job that is not waiting.
   */
  position: `
    SELECT j.queue,
           (SELECT count(*) FROM spool_jobs w WHERE w.queue = j.queue AND w.status = 'waiting' AND w.priority > j.priority)
         + (SELECT count(*) FROM spool_jobs w WHERE w.queue = j.queue AND w.status = 'waiting' AND w.priority = j.priority
              AND (w.run_at, w.id) < (j.run_at, j.id)) AS ahead,
           (SELECT count(*) FROM spool_jobs f WHERE f.status IN ('completed', 'failed') AND f.finished_at >= ?2 AND f.queue = j.queue) AS drained
    FROM spool_jobs j WHERE j.id = ?1 AND j.status = 'waiting'`,

  countsAll: 'SELECT queue, status, count(*) AS n FROM spool_jobs GROUP BY queue, status',

  countsOne: 'SELECT queue, status, count(*) AS n FROM spool_jobs WHERE queue = ? GROUP BY queue, status',

  /** ?1 now, ?2 id. */
  cancel: `
    UPDATE spool_jobs SET status = 'cancelled', finished_at = ?1, updated_at = ?1, lease_token = NULL, lease_expires_at = NULL
    WHERE id = ?2 AND status IN ('waiting', 'active') RETURNING *`,

  statusOf: 'SELECT status FROM spool_jobs WHERE id = ?',

  /** ?1 now, ?2 id. */
  retry: `
    UPDATE spool_jobs SET status = 'waiting', attempts = 0, run_at = ?1, updated_at = ?1, finished_at = NULL,
           started_at = NULL, result = NULL, progress = NULL, lease_token = NULL
    WHERE id = ?2 AND status IN ('failed', 'cancelled') RETURNING *`,

  /** ?1 now, ?2 queue. */
  retryFailed: `
    UPDATE spool_jobs SET status = 'waiting', attempts = 0, run_at = ?1, updated_at = ?1, finished_at = NULL,
           started_at = NULL, result = NULL, progress = NULL, lease_token = NULL
    WHERE queue = ?2 AND status = 'failed'`,

  purge: 'DELETE FROM spool_jobs WHERE queue = ? AND status = ?',

  /** ?1 status, ?2 finished before, ?3 slice size: a slice at a time (see prune-slices.ts). */
  prune: `DELETE FROM spool_jobs WHERE id IN (SELECT id FROM spool_jobs WHERE status = ?1 AND finished_at < ?2 LIMIT ?3)`,

  /** ?1 bucket (ms), ?2 since. */
  /** ?1 now. The first-enqueued waiting job of each queue, found through spool_jobs_listing (status, queue, id). */
  oldestWaiting: `
    SELECT q.name AS queue,
           (SELECT max(0, ?1 - j.run_at) FROM spool_jobs j WHERE j.status = 'waiting' AND j.queue = q.name ORDER BY j.id LIMIT 1) AS age
    FROM spool_queues q ORDER BY q.name`,

  throughput: `
    SELECT (finished_at / CAST(?1 AS INTEGER)) * CAST(?1 AS INTEGER) AS at, queue,
           sum(status = 'completed') AS completed, sum(status = 'failed') AS failed
    FROM spool_jobs WHERE status IN ('completed', 'failed') AND finished_at >= ?2
    GROUP BY 1, 2 ORDER BY 1, 2`,

  recordBacklog: 'INSERT OR REPLACE INTO spool_backlog_samples (at, queue, waiting, active) VALUES (?, ?, ?, ?)',

  forgetBacklog: 'DELETE FROM spool_backlog_samples WHERE at < ?',

  backlog: 'SELECT at, queue, waiting, active FROM spool_backlog_samples WHERE at >= ? ORDER BY at, queue',

  /** ?1 id. Deletes a job only in a final status. */
  deleteFinished: `DELETE FROM spool_jobs WHERE id = ?1 AND status IN ('completed', 'failed', 'cancelled', 'expired') RETURNING status`,

  /**
   * ?1 id, ?2 session, ?3 host, ?4 pid, ?5 version, ?6 queue, ?7 names (JSON or NULL), ?8 concurrency, ?9 in flight, ?10 now,
   * ?11 the process's start time (clock ticks since boot, or NULL), kept in session_key: what tells this process from a later one
   * given the same pid.
   */
  workerBeat: `
    INSERT INTO spool_workers (id, session, host, pid, version, queue, names, concurrency, in_flight, started_at, heartbeat_at, session_key)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?10, ?11)
    ON CONFLICT (id) DO UPDATE SET names = excluded.names, concurrency = excluded.concurrency, in_flight = excluded.in_flight,
                                   heartbeat_at = excluded.heartbeat_at`,

  /** ?1 this session: the other sessions with workers, and the process each runs in. */
  workerSessions: 'SELECT session, host, pid, session_key FROM spool_workers WHERE session <> ?1 GROUP BY session',

  /**
   * ?1 now, ?2 message, ?3 the user message when attempts ran out, ?4 when the job runs again, ?5 a dead session:
   * its workers' active jobs, taken back as rescueExpired would.
   */
  rescueOrphans: `
    UPDATE spool_jobs SET
      status = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'waiting' END,
      finished_at = CASE WHEN attempts >= max_attempts THEN ?1 ELSE NULL END,
      errors = json_insert(errors, '$[#]', json_object('message', ?2,
               'userMessage', CASE WHEN attempts >= max_attempts THEN ?3 ELSE ?4 END, 'code', 'SPOOL_WORKER_LOST', 'name', 'WorkerLostError',
               'attempt', attempts, 'at', ?1, 'final', json(CASE WHEN attempts >= max_attempts THEN 'true' ELSE 'false' END))),
      run_at = ?1, updated_at = ?1, lease_expires_at = NULL, worker_id = NULL
    WHERE status = 'active' AND worker_id IN (SELECT id FROM spool_workers WHERE session = ?5)
    RETURNING queue`,

  workersForgetSession: 'DELETE FROM spool_workers WHERE session = ?',

  /** ?1 silent since. */
  workersExpire: 'DELETE FROM spool_workers WHERE heartbeat_at < ?1',

  workerRemove: 'DELETE FROM spool_workers WHERE id = ?',

  /** ?1 heard from since, ?2 queue or NULL. */
  workersList: 'SELECT * FROM spool_workers WHERE heartbeat_at >= ?1 AND (?2 IS NULL OR queue = ?2) ORDER BY queue, id',

  /** ?1 queue, ?2 handled names (JSON), ?3 limit. Looks at the next 10,000 waiting jobs at most. */
  waitingNames: `
    SELECT DISTINCT name FROM (SELECT name FROM spool_jobs WHERE queue = ?1 AND status = 'waiting' LIMIT 10000)
    WHERE name NOT IN (SELECT value FROM json_each(?2)) LIMIT ?3`,
} as const;

export type SqliteStatementName = keyof typeof sqliteStatements;
