import { workersStatements } from './workers-statements.js';
import { jobStatuses } from '../../core/types.js';
import { claimedColumns } from '../row.js';

/**
 * Every statement the PostgreSQL store runs, one per operation, for one schema. Each state
 * change is one statement that checks the fencing token itself. Batches travel as arrays and
 * are unnested server-side, so one prepared statement serves any batch size.
 *
 * Time is the database's: each statement takes "now" as a parameter that is NULL unless a test
 * clock is in use, and `now(n)` below falls back to the server's clock. Every machine then judges
 * leases, delays and expiry by one clock, whatever its own says.
 */
export type StatementName = keyof ReturnType<typeof postgresStatements>;

/** The time in epoch milliseconds: parameter `$n` when given, else the transaction's start on the server. */
const now = (n: number) => `coalesce($${n}::bigint, (extract(epoch from now()) * 1000)::bigint)`;

export function postgresStatements(s: string) {
  const jobs = `"${s}".jobs`;
  /**
   * True when queue `queue` takes `adding` more jobs: it has no max depth, or fewer waiting jobs
   * than it allows, and it is not paused with refuse_when_paused. Evaluated without a lock, so
   * concurrent enqueues may overshoot the depth by the few in flight at once: backpressure, not
   * a hard quota. A queue without a row yet takes anything.
   */
  const hasRoom = (queue: string, adding: string) => `coalesce((
      SELECT NOT (q.paused AND q.refuse_when_paused)
        AND (q.max_depth IS NULL OR (SELECT count(*) FROM ${jobs} w WHERE w.queue = q.name AND w.status = 'waiting') + ${adding} <= q.max_depth)
      FROM "${s}".queues q WHERE q.name = ${queue}), true)`;
  /**
   * A job with an ordering key may run only when no earlier job of its queue and key is still
   * waiting or active: one at a time per key, in enqueue order; a retrying job holds its key.
   */
  const orderingHeadOnly = (alias: string) => `(${alias}.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM ${jobs} o WHERE o.queue = ${alias}.queue AND o.ordering_key = ${alias}.ordering_key
              AND o.status IN ('waiting', 'active') AND o.id < ${alias}.id))`;
  /**
   * What a plain claim may take besides being due: not excluded ($8), not expired, the head of its
   * ordering key, from a queue neither paused nor guarded (those go through the guarded path).
   */
  const claimable = (alias: string) => `($8::bigint[] IS NULL OR ${alias}.id <> ALL($8::bigint[]))
          AND (${alias}.expires_at IS NULL OR ${alias}.expires_at > ${now(2)}) AND ${orderingHeadOnly(alias)}
          AND NOT EXISTS (SELECT 1 FROM "${s}".queues q WHERE q.name = $1 AND (q.paused OR q.guarded))`;
  /**
   * Active, waiting or failed, written as "not in the other three statuses" on purpose: no index
   * can serve it, so the planner finds the rows by id (jobs_pkey, one probe per job). Written as
   * `IN ('active', 'waiting', 'failed')` it could pick jobs_listing instead, and did whenever the
   * table's statistics were taken while few jobs waited: each completion of 50 jobs then read the
   * whole waiting backlog (20,000 rows, 90 ms), and two worker processes drained slower than one.
   */
  const unfinished = (alias: string) => `${alias}.status NOT IN ('completed', 'cancelled', 'expired')`;
  /** Takes the rows of next under the lease ($4 token, $5 lease ms, $6 worker id). */
  const claimNext = `UPDATE ${jobs} j SET status = 'active', attempts = j.attempts + 1, lease_token = $4, lease_expires_at = ${now(2)} + $5::bigint,
             started_at = ${now(2)}, updated_at = ${now(2)}, worker_id = $6
      FROM next WHERE j.id = next.id
      RETURNING ${claimedColumns.replace(/(\w+)/g, 'j.$1')}, j.started_at`;
  /**
   * The bulk insert. A queue's room is judged once per queue of the batch (not once per row), with
   * its share of the batch.
   */
  const insertMany = (keyed: boolean) => `
      WITH x AS (
        SELECT * FROM ROWS FROM (json_to_recordset($1::json)
             AS (q text, n text, p json, pr integer, ma integer, b json, t bigint, k text, m json, r bigint, d bigint, c text, o text,
                 ck text, rk text, ea bigint, ei bigint, dk text, tp text, ts text))
           WITH ORDINALITY AS x(q, n, p, pr, ma, b, t, k, m, r, d, c, o, ck, rk, ea, ei, dk, tp, ts, ord)
      ),
      refused AS (SELECT g.q FROM (SELECT x.q, count(*) AS n FROM x GROUP BY x.q) g WHERE NOT ${hasRoom('g.q', 'g.n')}),
      inserted AS (
        INSERT INTO ${jobs} (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, idempotency_key, metadata,
                             run_at, created_at, updated_at, callback_url, ordering_key, concurrency_key, rate_key, expires_at, dedupe_key,
                             traceparent, tracestate)
        SELECT x.q, x.n, coalesce(x.p, 'null'::json), 'waiting', x.pr, x.ma, x.b, x.t, x.k, x.m, coalesce(x.r, ${now(2)} + x.d),
               ${now(2)}, ${now(2)}, x.c, x.o, x.ck, x.rk, coalesce(x.ea, ${now(2)} + x.ei), x.dk, x.tp, x.ts
        FROM x WHERE NOT EXISTS (SELECT 1 FROM refused)
        ORDER BY x.ord
        ${keyed ? 'ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING' : ''}
        RETURNING id, queue, idempotency_key, created_at
      )
      SELECT id, queue, idempotency_key, created_at, NULL AS refused FROM inserted
      UNION ALL SELECT NULL, NULL, NULL, NULL, q FROM refused`;
  return {
    /**
     * $1 queue, $2 name, $3 payload, $4 priority, $5 max attempts, $6 backoff, $7 timeout, $8 metadata, $9 runAt or null,
     * $10 now, $11 callback URL, $12 delay, $13 ordering key, $14 concurrency key, $15 rate key, $16 expires at, $17 expires in,
     * $18 traceparent, $19 tracestate.
     * Returns no row when the queue is at its max depth or paused and refusing (see queueRoom).
     */
    insertOne: `
      INSERT INTO ${jobs} (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at,
                           callback_url, ordering_key, concurrency_key, rate_key, expires_at, traceparent, tracestate)
      SELECT $1, $2, $3::json, 'waiting', $4, $5, $6::json, $7, $8::json, coalesce($9::bigint, ${now(10)} + $12::bigint), ${now(10)}, ${now(10)},
             $11, $13, $14, $15, coalesce($16::bigint, ${now(10)} + $17::bigint), $18, $19
      WHERE ${hasRoom('$1', '1')}
      RETURNING id, created_at`,

    /**
     * $1 the jobs as one JSON array (see batchJson), $2 now. One JSON document parses faster on
     * both sides than a dozen escaped arrays. Rows whose idempotency key exists are skipped.
     */
    insertMany: insertMany(true),

    /**
     * As insertMany, for a batch without idempotency keys: no ON CONFLICT, so each row is a plain
     * insert instead of a speculative one (a lock, a second WAL record and an arbiter-index probe
     * per row). 5,000 rows: see docs/performance.md.
     */
    insertManyPlain: insertMany(false),

    /** $1 queue, $2 now: why a queue refuses jobs, and how fast it drains (completions in the last minute). */
    queueRoom: `
      SELECT q.max_depth, q.paused, q.refuse_when_paused,
             (SELECT count(*) FROM ${jobs} WHERE queue = q.name AND status = 'waiting')::int AS waiting,
             (SELECT count(*) FROM ${jobs} WHERE queue = q.name AND status IN ('completed', 'failed')
                AND finished_at >= ${now(2)} - 60000)::int AS drained
      FROM "${s}".queues q WHERE q.name = $1`,

    /** $1 the lock's name: keyed enqueues of one queue and key take turns until their transaction ends. */
    lockKey: `SELECT pg_advisory_xact_lock(hashtext($1))`,

    /**
     * $1 queue, $2 dedupe key, $3 created after (ms, or null), $4 only waiting jobs, $5 now: the
     * job a keyed enqueue returns instead of inserting, if any.
     */
    findKeyed: `
      SELECT * FROM ${jobs}
      WHERE queue = $1 AND dedupe_key = $2 AND ($3::bigint IS NULL OR created_at > ${now(5)} - $3)
        AND (NOT $4::boolean OR status = 'waiting')
      ORDER BY id DESC LIMIT 1`,

    /** $1 id, $2 payload, $3 delay (ms), $4 max wait (ms or null), $5 now: a debounced job takes the newest payload. */
    debounce: `
      UPDATE ${jobs} SET payload = $2::json, updated_at = ${now(5)},
        run_at = CASE WHEN $4::bigint IS NULL THEN ${now(5)} + $3 ELSE least(${now(5)} + $3, created_at + $4) END
      WHERE id = $1 AND status = 'waiting' RETURNING *`,

    /** $1 queues, $2 keys (pairwise). */
    findByKeys: `
      SELECT j.* FROM ${jobs} j JOIN unnest($1::text[], $2::text[]) AS k(queue, key)
        ON j.queue = k.queue AND j.idempotency_key = k.key`,

    /** $1 queue names, $2 now. Rows for queues seen for the first time. */
    ensureQueues: `
      INSERT INTO "${s}".queues (name, created_at)
      SELECT q, ${now(2)} FROM unnest($1::text[]) AS q
      ON CONFLICT (name) DO NOTHING`,

    listQueues: `SELECT name, created_at, paused, refuse_when_paused, max_depth, policy, guarded FROM "${s}".queues ORDER BY name`,

    getQueue: `SELECT name, created_at, paused, refuse_when_paused, max_depth, policy, guarded FROM "${s}".queues WHERE name = $1`,

    /** $1 queue, $2 now, $3 limit, $4 token, $5 lease ms, $6 worker id, $7 null (every name), $8 ids not to claim or null. */
    claim: `
      WITH next AS (
        SELECT id FROM ${jobs} j
        WHERE queue = $1 AND status = 'waiting' AND run_at <= ${now(2)} AND $7::text[] IS NULL AND ${claimable('j')}
        ORDER BY priority DESC, run_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      )
      ${claimNext}`,

    /**
     * As claim, $7 the names handled. Each name is read on its own, in claim order on
     * jobs_ready_named, and the best $3 of them are taken: waiting jobs of other names are never
     * read. A name's rows beyond what is taken are locked only until the statement ends.
     */
    claimNamed: `
      WITH next AS (
        SELECT c.id FROM unnest($7::text[]) AS n(name) CROSS JOIN LATERAL (
          SELECT j.id, j.priority, j.run_at FROM ${jobs} j
          WHERE j.queue = $1 AND j.name = n.name AND j.status = 'waiting' AND j.run_at <= ${now(2)} AND ${claimable('j')}
          ORDER BY j.priority DESC, j.run_at, j.id
          LIMIT $3
          FOR UPDATE SKIP LOCKED
        ) c
        ORDER BY c.priority DESC, c.run_at, c.id
        LIMIT $3
      )
      ${claimNext}`,

    /**
     * $1 ids, $2 tokens, $3 results, $4 now. A token that still matches is accepted even after the
     * lease expired and the job was taken back (waiting, or failed when attempts ran out), as long
     * as no other worker has claimed it since: the claim would have replaced the token. Rows
     * are found by id only (see unfinished).
     */
    complete: `
      UPDATE ${jobs} j SET status = 'completed', result = done.result::json, finished_at = ${now(4)}, updated_at = ${now(4)},
             lease_token = NULL, lease_expires_at = NULL
      FROM unnest($1::bigint[], $2::text[], $3::text[]) AS done(id, token, result)
      WHERE j.id = done.id AND j.lease_token = done.token AND ${unfinished('j')}
      RETURNING j.id, j.finished_at`,

    /** $1 ids, $2 tokens, $3 errors (JSON), $4 retry delays (null: fail now), $5 now. Fenced like complete. */
    fail: `
      UPDATE ${jobs} j SET
        status      = CASE WHEN f.retry_in IS NOT NULL AND j.attempts < j.max_attempts THEN 'waiting' ELSE 'failed' END,
        run_at      = CASE WHEN f.retry_in IS NOT NULL AND j.attempts < j.max_attempts THEN ${now(5)} + f.retry_in ELSE j.run_at END,
        finished_at = CASE WHEN f.retry_in IS NOT NULL AND j.attempts < j.max_attempts THEN NULL ELSE ${now(5)} END,
        errors = j.errors || jsonb_build_array(f.error::jsonb || jsonb_build_object('at', ${now(5)})),
        updated_at = ${now(5)}, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
      FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS f(id, token, error, retry_in)
      WHERE j.id = f.id AND j.lease_token = f.token AND ${unfinished('j')}
      RETURNING j.id, j.status, j.run_at, j.updated_at`,

    /**
     * $1 ids, $2 tokens, $3 lease ms, $4 now. Extends the leases still held and returns the others
     * with what became of them, read in the same statement (the join sees the rows as they were).
     */
    heartbeat: `
      WITH h AS (SELECT * FROM unnest($1::bigint[], $2::text[]) AS h(id, token)),
      kept AS (
        UPDATE ${jobs} j SET lease_expires_at = ${now(4)} + $3::bigint, updated_at = ${now(4)}
        FROM h WHERE j.id = h.id AND j.lease_token = h.token AND j.status = 'active'
        RETURNING j.id
      )
      SELECT h.id, CASE
          WHEN j.id IS NULL THEN 'gone'
          WHEN j.status = 'cancelled' THEN 'cancelled'
          WHEN j.lease_token IS DISTINCT FROM h.token AND j.status IN ('completed', 'failed') THEN 'finished'
          WHEN j.lease_token = h.token THEN 'expired'
          ELSE 'taken' END AS reason
      FROM h LEFT JOIN kept ON kept.id = h.id LEFT JOIN ${jobs} j ON j.id = h.id
      WHERE kept.id IS NULL`,

    /** $1 ids, $2 tokens, $3 delays (ms), $4 now. Attempts go back down: this attempt does not count. */
    release: `
      WITH released AS (
        UPDATE ${jobs} j SET status = 'waiting', attempts = j.attempts - 1, updated_at = ${now(4)}, started_at = NULL,
               run_at = ${now(4)} + r.delay, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
        FROM unnest($1::bigint[], $2::text[], $3::bigint[]) AS r(id, token, delay)
        WHERE j.id = r.id AND j.lease_token = r.token AND j.status = 'active'
        RETURNING j.id, j.queue
      )
      SELECT id, pg_notify('${s}_wake', queue) FROM released`,

    /** $1 id, $2 token, $3 progress JSON, $4 now. */
    progress: `
      UPDATE ${jobs} SET progress = $3::json, updated_at = ${now(4)}
      WHERE id = $1 AND lease_token = $2 AND status = 'active'`,

    /**
     * $1 now, $2 message, $3 the user message when attempts ran out, $4 when the job runs again.
     * The lease token stays on the row, so a worker that finished during a store outage can still
     * record its outcome until another worker claims the job.
     */
    rescueExpired: `
      UPDATE ${jobs} SET
        status      = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'waiting' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN ${now(1)} ELSE NULL END,
        errors = errors || jsonb_build_array(jsonb_build_object('message', $2::text,
                 'userMessage', CASE WHEN attempts >= max_attempts THEN $3::text ELSE $4::text END, 'code', 'SPOOL_LEASE_EXPIRED',
                 'name', 'LeaseExpiredError', 'attempt', attempts, 'at', ${now(1)}, 'final', attempts >= max_attempts)),
        run_at = ${now(1)}, updated_at = ${now(1)}, lease_expires_at = NULL, worker_id = NULL
      WHERE status = 'active' AND lease_expires_at < ${now(1)}`,

    getJob: `SELECT * FROM ${jobs} WHERE id = $1`,

    /** $1 group id, $2 window (ms), $3 now: its jobs per status, and how many finished within the window (on jobs_group). */
    groupCounts: `
      SELECT status, count(*)::int AS n, count(*) FILTER (WHERE finished_at >= ${now(3)} - $2)::int AS recent, ${now(3)} AS at
      FROM ${jobs} WHERE (metadata->>'group') = $1 AND (metadata->>'group') IS NOT NULL
      GROUP BY status`,
    readNow: `SELECT ${now(1)} AS at`,

    /**
     * $1 id, $2 window (ms), $3 now. A waiting job's place in the claim order (priority DESC, run_at,
     * id): the waiting jobs of its queue before it, counted as two ranges of jobs_ready, and the jobs
     * of its queue that finished within the window (the recent drain). No row unless it is waiting.
     */
    position: `
      SELECT j.queue, ${now(3)} AS at,
             (SELECT count(*) FROM ${jobs} w WHERE w.queue = j.queue AND w.status = 'waiting' AND w.priority > j.priority)
           + (SELECT count(*) FROM ${jobs} w WHERE w.queue = j.queue AND w.status = 'waiting' AND w.priority = j.priority
                AND (w.run_at, w.id) < (j.run_at, j.id)) AS ahead,
             (SELECT count(*) FROM ${jobs} f WHERE f.status IN ('completed', 'failed') AND f.finished_at >= ${now(3)} - $2
                AND f.queue = j.queue) AS drained
      FROM ${jobs} j WHERE j.id = $1 AND j.status = 'waiting'`,

    /** $1 queue or null, $2 status or null, $3 name or null, $4 before id or null, $5 limit. */
    listJobs: `
      SELECT * FROM ${jobs}
      WHERE ($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR status = $2)
        AND ($3::text IS NULL OR name = $3) AND ($4::bigint IS NULL OR id < $4)
      ORDER BY id DESC LIMIT $5`,

    counts: `SELECT queue, status, count(*)::int AS n FROM ${jobs} WHERE ($1::text IS NULL OR queue = $1) GROUP BY queue, status`,

    /**
     * $1 queue. As counts for one queue: each status counted on its own range of jobs_listing, so
     * neither the other queues' jobs nor the dead row versions a drain leaves behind are read, and
     * nothing is sorted (a worker draining 20,000 jobs while this is polled: 12 ms of server CPU per
     * call before, 6.5 ms after).
     */
    countsQueue: `
      SELECT * FROM (
        SELECT $1::text AS queue, s.status, (SELECT count(*) FROM ${jobs} j WHERE j.status = s.status AND j.queue = $1)::int AS n
        FROM unnest('{${jobStatuses.join(',')}}'::text[]) AS s(status)) c
      WHERE c.n > 0`,

    /**
     * $1 id, $2 now. Returns the job after the change and its status before, in one statement;
     * tells workers in every process through the cancel channel.
     */
    cancel: `
      WITH before AS (SELECT id, status FROM ${jobs} WHERE id = $1 FOR UPDATE),
      cancelled AS (
        UPDATE ${jobs} j SET status = 'cancelled', finished_at = ${now(2)}, updated_at = ${now(2)}, lease_token = NULL,
               lease_expires_at = NULL
        FROM before WHERE j.id = before.id AND before.status IN ('waiting', 'active')
        RETURNING j.*
      )
      SELECT c.*, b.status AS previous_status, pg_notify('${s}_cancel', c.id::text) AS notified
      FROM cancelled c JOIN before b ON b.id = c.id`,

    /** $1 id, $2 now. */
    retry: `
      WITH retried AS (
        UPDATE ${jobs} SET status = 'waiting', attempts = 0, run_at = ${now(2)}, updated_at = ${now(2)}, finished_at = NULL, started_at = NULL,
               result = NULL, progress = NULL, lease_token = NULL
        WHERE id = $1 AND status IN ('failed', 'cancelled')
        RETURNING *
      )
      SELECT *, pg_notify('${s}_wake', queue) AS notified FROM retried`,

    /** $1 queue, $2 now. */
    retryFailed: `
      WITH retried AS (
        UPDATE ${jobs} SET status = 'waiting', attempts = 0, run_at = ${now(2)}, updated_at = ${now(2)}, finished_at = NULL, started_at = NULL,
               result = NULL, progress = NULL, lease_token = NULL
        WHERE queue = $1 AND status = 'failed'
        RETURNING id
      )
      SELECT count(*)::int AS n, CASE WHEN count(*) > 0 THEN pg_notify('${s}_wake', $1) END AS notified FROM retried`,

    /** $1 queue, $2 status. */
    purge: `DELETE FROM ${jobs} WHERE queue = $1 AND status = $2`,

    /** $1 now. The first-enqueued waiting job of each queue, found through jobs_listing (status, queue, id). */
    oldestWaiting: `
      SELECT q.name AS queue,
             (SELECT greatest(0, ${now(1)} - j.run_at) FROM ${jobs} j WHERE j.status = 'waiting' AND j.queue = q.name ORDER BY j.id LIMIT 1) AS age
      FROM "${s}".queues q ORDER BY q.name`,

    /** $1 bucket size (ms), $2 window (ms), $3 now. */
    throughput: `
      SELECT (finished_at / $1) * $1 AS at, queue,
             count(*) FILTER (WHERE status = 'completed')::int AS completed, count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM ${jobs} WHERE status IN ('completed', 'failed') AND finished_at >= ((${now(3)} - $2) / $1) * $1
      GROUP BY 1, 2 ORDER BY 1, 2`,

    /** $1 now, $2 queues, $3 waiting, $4 active, $5 keep (ms). */
    recordBacklog: `
      WITH forgotten AS (DELETE FROM "${s}".backlog_samples WHERE at < ${now(1)} - $5)
      INSERT INTO "${s}".backlog_samples (at, queue, waiting, active)
      SELECT ${now(1)}, * FROM unnest($2::text[], $3::int[], $4::int[])
      ON CONFLICT (at, queue) DO UPDATE SET waiting = excluded.waiting, active = excluded.active`,

    /** $1 window (ms), $2 now. */
    backlog: `SELECT at, queue, waiting, active FROM "${s}".backlog_samples WHERE at >= ${now(2)} - $1 ORDER BY at, queue`,

    /**
     * $1 id. Deletes a job only in a final status, and says in the same statement what its status
     * was and whether it went (the outer SELECT sees the row as it was before the DELETE).
     */
    deleteFinished: `
      WITH gone AS (DELETE FROM ${jobs} WHERE id = $1 AND status IN ('completed', 'failed', 'cancelled', 'expired') RETURNING status)
      SELECT (SELECT status FROM ${jobs} WHERE id = $1) AS status, EXISTS (SELECT 1 FROM gone) AS deleted`,

    ...workersStatements(s),

    /** $1 status, $2 age (ms), $3 now; deletes in slices so a large prune never holds long locks. */
    prune: `
      DELETE FROM ${jobs} WHERE id IN (
        SELECT id FROM ${jobs} WHERE status = $1 AND finished_at < ${now(3)} - $2 LIMIT 10000)`,
  };
}
