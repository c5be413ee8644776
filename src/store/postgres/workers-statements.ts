/**
 * @module
 * The worker registry's statements on PostgreSQL: beats, the list with each session's liveness,
 * the session lock, and the rescue of jobs whose worker's session died.
 */
const now = (n: number) => `coalesce($${n}::bigint, (extract(epoch from now()) * 1000)::bigint)`;

/**
 * The first key of every session lock of schema `s`: a hash of its name, so Spools on different
 * schemas of one database never mistake each other's locks.
 */
const sessionLockSpace = (s: string) => `(hashtext('spool:${s}') & 2147483647)`;

export function workersStatements(s: string) {
  const jobs = `"${s}".jobs`;
  return {
    /**
     * $1 ids, $2 queues, $3 names (JSON or null), $4 concurrency, $5 in flight, $6 session, $7 session key,
     * $8 host, $9 pid, $10 version, $11 stale after (ms), $12 now. Forgets silent rows in the same statement.
     */
    workersBeat: `
      WITH forgotten AS (DELETE FROM "${s}".workers WHERE heartbeat_at < ${now(12)} - $11::bigint)
      INSERT INTO "${s}".workers (id, session, session_key, host, pid, version, queue, names, concurrency, in_flight, started_at, heartbeat_at)
      SELECT w.id, $6, $7, $8, $9, $10, w.queue, w.names::json, w.concurrency, w.in_flight, ${now(12)}, ${now(12)}
      FROM unnest($1::text[], $2::text[], $3::text[], $4::int[], $5::int[]) AS w(id, queue, names, concurrency, in_flight)
      ON CONFLICT (id) DO UPDATE SET names = excluded.names, concurrency = excluded.concurrency, in_flight = excluded.in_flight,
                                     heartbeat_at = excluded.heartbeat_at, session_key = excluded.session_key`,

    /** $1 ids. */
    workersRemove: `DELETE FROM "${s}".workers WHERE id = ANY($1::text[])`,

    /**
     * $1 stale after (ms), $2 queue or null, $3 now. `session_alive`: the worker's session still
     * holds its advisory lock (see sessionLock), read from pg_locks in this database.
     */
    workersList: `
      SELECT w.*, CASE WHEN w.session_key IS NULL THEN NULL ELSE EXISTS (
               SELECT 1 FROM pg_locks l
               WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
                 AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
                 AND l.classid::bigint = ${sessionLockSpace(s)} AND l.objid::bigint = w.session_key)
             END AS session_alive
      FROM "${s}".workers w
      WHERE w.heartbeat_at >= ${now(3)} - $1::bigint AND ($2::text IS NULL OR w.queue = $2)
      ORDER BY w.queue, w.id`,

    /** $1 session key. Taken on the LISTEN connection, held for as long as it lives. */
    sessionLock: `SELECT pg_try_advisory_lock(${sessionLockSpace(s)}::int, $1::int) AS locked`,

    /** $1 session key, $2 session: run once its lock is held, for rows beaten before (they carry no key yet). */
    sessionKeyed: `UPDATE "${s}".workers SET session_key = $1 WHERE session = $2`,

    /**
     * $1 now, $2 this session (never judged), $3 message, $4 the user message when attempts ran out,
     * $5 when the job runs again. Forgets the workers whose session lost its lock (its connection
     * died) and takes their active jobs back as rescueExpired would, waking the queues. One process
     * at a time: the others skip their turn (the transaction lock below) rather than wait for it.
     */
    rescueOrphans: `
      WITH turn AS (SELECT pg_try_advisory_xact_lock(${sessionLockSpace(s)}::int, 0) AS mine),
      dead AS (
        DELETE FROM "${s}".workers w
        WHERE (SELECT mine FROM turn) AND w.session_key IS NOT NULL AND w.session <> $2 AND NOT EXISTS (
          SELECT 1 FROM pg_locks l
          WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
            AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
            AND l.classid::bigint = ${sessionLockSpace(s)} AND l.objid::bigint = w.session_key)
        RETURNING w.id
      ),
      rescued AS (
        UPDATE ${jobs} SET
          status      = CASE WHEN attempts >= max_attempts THEN 'failed' ELSE 'waiting' END,
          finished_at = CASE WHEN attempts >= max_attempts THEN ${now(1)} ELSE NULL END,
          errors = errors || jsonb_build_array(jsonb_build_object('message', $3::text,
                   'userMessage', CASE WHEN attempts >= max_attempts THEN $4::text ELSE $5::text END, 'code', 'SPOOL_WORKER_LOST',
                   'name', 'WorkerLostError', 'attempt', attempts, 'at', ${now(1)}, 'final', attempts >= max_attempts)),
          run_at = ${now(1)}, updated_at = ${now(1)}, lease_expires_at = NULL, worker_id = NULL
        WHERE status = 'active' AND worker_id IN (SELECT id FROM dead)
        RETURNING id, queue, status
      )
      SELECT id, CASE WHEN status = 'waiting' THEN pg_notify('${s}_wake', queue) END AS notified FROM rescued`,

    /** $1 queue, $2 handled names, $3 limit. Looks at the next 10,000 waiting jobs at most. */
    waitingNames: `
      SELECT DISTINCT name FROM (SELECT name FROM ${jobs} WHERE queue = $1 AND status = 'waiting' LIMIT 10000) AS w
      WHERE NOT (name = ANY($2::text[])) LIMIT $3`,
  };
}
