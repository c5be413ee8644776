import { claimedColumns } from '../row.js';

/**
 * Every statement the PostgreSQL store runs, one per operation, for one schema. Each state
 * change is one statement that checks the fencing token itself. Batches travel as arrays and
 * are unnested server-side, so one prepared statement serves any batch size.
 */
export type StatementName = keyof ReturnType<typeof postgresStatements>;

export function postgresStatements(s: string) {
  const jobs = `"${s}".jobs`;
  return {
    insertOne: `
      INSERT INTO ${jobs} (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, metadata, run_at, created_at, updated_at,
                           callback_url)
      VALUES ($1, $2, $3::json, 'waiting', $4, $5, $6::json, $7, $8::json, $9, $10, $10, $11)
      RETURNING id`,

    /**
     * $1 the jobs as one JSON array (see batchJson), $2 now. One JSON document parses faster on
     * both sides than a dozen escaped arrays. Rows whose idempotency key exists are skipped.
     */
    insertMany: `
      INSERT INTO ${jobs} (queue, name, payload, status, priority, max_attempts, backoff, timeout_ms, idempotency_key, metadata,
                           run_at, created_at, updated_at, callback_url)
      SELECT x.q, x.n, coalesce(x.p, 'null'::json), 'waiting', x.pr, x.ma, x.b, x.t, x.k, x.m, x.r, $2, $2, x.c
      FROM ROWS FROM (json_to_recordset($1::json)
             AS (q text, n text, p json, pr integer, ma integer, b json, t bigint, k text, m json, r bigint, c text))
           WITH ORDINALITY AS x(q, n, p, pr, ma, b, t, k, m, r, c, ord)
      ORDER BY x.ord
      ON CONFLICT (queue, idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING
      RETURNING id, queue, idempotency_key`,

    /** $1 queues, $2 keys (pairwise). */
    findByKeys: `
      SELECT j.* FROM ${jobs} j JOIN unnest($1::text[], $2::text[]) AS k(queue, key)
        ON j.queue = k.queue AND j.idempotency_key = k.key`,

    /** $1 queue, $2 now, $3 limit, $4 token, $5 lease expiry, $6 worker id, $7 names or null. */
    claim: `
      WITH next AS (
        SELECT id FROM ${jobs}
        WHERE queue = $1 AND status = 'waiting' AND run_at <= $2 AND ($7::text[] IS NULL OR name = ANY($7::text[]))
        ORDER BY priority DESC, run_at, id
        LIMIT $3
        FOR UPDATE SKIP LOCKED
      )
      UPDATE ${jobs} j SET status = 'active', attempts = j.attempts + 1, lease_token = $4, lease_expires_at = $5,
             started_at = $2, updated_at = $2, worker_id = $6
      FROM next WHERE j.id = next.id
      RETURNING ${claimedColumns.replace(/(\w+)/g, 'j.$1')}`,

    /** $1 ids, $2 tokens, $3 results, $4 now. */
    complete: `
      UPDATE ${jobs} j SET status = 'completed', result = done.result::json, finished_at = $4, updated_at = $4,
             lease_token = NULL, lease_expires_at = NULL
      FROM unnest($1::bigint[], $2::text[], $3::text[]) AS done(id, token, result)
      WHERE j.id = done.id AND j.lease_token = done.token AND j.status = 'active'
      RETURNING j.id`,

    /** $1 ids, $2 tokens, $3 errors (JSON), $4 retry times (null: fail now), $5 now. */
    fail: `
      UPDATE ${jobs} j SET
        status      = CASE WHEN f.retry_at IS NOT NULL AND j.attempts < j.max_attempts THEN 'waiting' ELSE 'failed' END,
        run_at      = CASE WHEN f.retry_at IS NOT NULL AND j.attempts < j.max_attempts THEN f.retry_at ELSE j.run_at END,
        finished_at = CASE WHEN f.retry_at IS NOT NULL AND j.attempts < j.max_attempts THEN NULL ELSE $5::bigint END,
        errors = j.errors || jsonb_build_array(f.error::jsonb),
        updated_at = $5, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
      FROM unnest($1::bigint[], $2::text[], $3::text[], $4::bigint[]) AS f(id, token, error, retry_at)
      WHERE j.id = f.id AND j.lease_token = f.token AND j.status = 'active'
      RETURNING j.id, j.status, j.run_at`,

    /** $1 ids, $2 tokens, $3 new expiry, $4 now. */
    heartbeat: `
      UPDATE ${jobs} j SET lease_expires_at = $3, updated_at = $4
      FROM unnest($1::bigint[], $2::text[]) AS h(id, token)
      WHERE j.id = h.id AND j.lease_token = h.token AND j.status = 'active'
      RETURNING j.id`,

    /** $1 ids, $2 tokens, $3 now. Attempts go back down: a shutdown is not the job's fault. */
    release: `
      WITH released AS (
        UPDATE ${jobs} j SET status = 'waiting', attempts = j.attempts - 1, updated_at = $3, started_at = NULL,
               lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
        FROM unnest($1::bigint[], $2::text[]) AS r(id, token)
        WHERE j.id = r.id AND j.lease_token = r.token AND j.status = 'active'
        RETURNING j.id, j.queue
      )
      SELECT id, pg_notify('${s}_wake', queue) FROM released`,

    /** $1 id, $2 token, $3 progress JSON, $4 now. */
    progress: `
      UPDATE ${jobs} SET progress = $3::json, updated_at = $4
      WHERE id = $1 AND lease_token = $2 AND status = 'active'`,

    /** $1 now, $2 message. */
    rescueExpired: `
      UPDATE ${jobs} SET
        status      = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'waiting' END,
        finished_at = CASE WHEN attempts >= max_attempts THEN $1::bigint ELSE NULL END,
        errors = errors || jsonb_build_array(jsonb_build_object('message', $2::text, 'code', 'SPOOL_LEASE_EXPIRED',
                 'name', 'LeaseExpiredError', 'attempt', attempts, 'at', $1::bigint, 'final', attempts >= max_attempts)),
        run_at = $1, updated_at = $1, lease_token = NULL, lease_expires_at = NULL, worker_id = NULL
      WHERE status = 'active' AND lease_expires_at < $1`,

    getJob: `SELECT * FROM ${jobs} WHERE id = $1`,

    /** $1 queue or null, $2 status or null, $3 name or null, $4 before id or null, $5 limit. */
    listJobs: `
      SELECT * FROM ${jobs}
      WHERE ($1::text IS NULL OR queue = $1) AND ($2::text IS NULL OR status = $2)
        AND ($3::text IS NULL OR name = $3) AND ($4::bigint IS NULL OR id < $4)
      ORDER BY id DESC LIMIT $5`,

    counts: `SELECT queue, status, count(*)::int AS n FROM ${jobs} WHERE ($1::text IS NULL OR queue = $1) GROUP BY queue, status`,

    /** $1 id, $2 now. Tells workers in every process through the cancel channel. */
    cancel: `
      WITH cancelled AS (
        UPDATE ${jobs} SET status = 'cancelled', finished_at = $2, updated_at = $2, lease_token = NULL, lease_expires_at = NULL
        WHERE id = $1 AND status IN ('waiting', 'active')
        RETURNING *
      )
      SELECT *, pg_notify('${s}_cancel', id::text) AS notified FROM cancelled`,

    /** $1 id, $2 now. */
    retry: `
      WITH retried AS (
        UPDATE ${jobs} SET status = 'waiting', attempts = 0, run_at = $2, updated_at = $2, finished_at = NULL, started_at = NULL,
               result = NULL, progress = NULL
        WHERE id = $1 AND status IN ('failed', 'cancelled')
        RETURNING *
      )
      SELECT *, pg_notify('${s}_wake', queue) AS notified FROM retried`,

    /** $1 queue, $2 now. */
    retryFailed: `
      WITH retried AS (
        UPDATE ${jobs} SET status = 'waiting', attempts = 0, run_at = $2, updated_at = $2, finished_at = NULL, started_at = NULL,
               result = NULL, progress = NULL
        WHERE queue = $1 AND status = 'failed'
        RETURNING id
      )
      SELECT count(*)::int AS n, CASE WHEN count(*) > 0 THEN pg_notify('${s}_wake', $1) END AS notified FROM retried`,

    /** $1 queue, $2 status. */
    purge: `DELETE FROM ${jobs} WHERE queue = $1 AND status = $2`,

    /** $1 bucket size (ms), $2 since. */
    throughput: `
      SELECT (finished_at / $1) * $1 AS at, queue,
             count(*) FILTER (WHERE status = 'completed')::int AS completed, count(*) FILTER (WHERE status = 'failed')::int AS failed
      FROM ${jobs} WHERE status IN ('completed', 'failed') AND finished_at >= $2
      GROUP BY 1, 2 ORDER BY 1, 2`,

    /** $1 at, $2 queues, $3 waiting, $4 active, $5 forget before. */
    recordBacklog: `
      WITH forgotten AS (DELETE FROM "${s}".backlog_samples WHERE at < $5)
      INSERT INTO "${s}".backlog_samples (at, queue, waiting, active)
      SELECT $1, * FROM unnest($2::text[], $3::int[], $4::int[])
      ON CONFLICT (at, queue) DO UPDATE SET waiting = excluded.waiting, active = excluded.active`,

    /** $1 since. */
    backlog: `SELECT at, queue, waiting, active FROM "${s}".backlog_samples WHERE at >= $1 ORDER BY at, queue`,

    /** $1 status, $2 finished before; deletes in slices so a large prune never holds long locks. */
    prune: `
      DELETE FROM ${jobs} WHERE id IN (
        SELECT id FROM ${jobs} WHERE status = $1 AND finished_at < $2 LIMIT 10000)`,
  };
}
