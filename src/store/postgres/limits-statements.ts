/**
 * Flow control's statements on PostgreSQL. A guarded claim runs in one transaction: lock the
 * queue's row (claimers of a guarded queue take turns), read the snapshot with a fresh view,
 * then write the plan the pure policies made of it.
 */
import { claimedColumns } from '../row.js';

const now = (n: number) => `coalesce($${n}::bigint, (extract(epoch from now()) * 1000)::bigint)`;

export type LimitsStatementName = keyof ReturnType<typeof limitsStatements>;

export function limitsStatements(s: string) {
  const jobs = `"${s}".jobs`;
  const queues = `"${s}".queues`;
  const runnable = `j.queue = $1 AND j.status = 'waiting' AND j.run_at <= ${now(2)} AND ($4::text[] IS NULL OR j.name = ANY($4::text[]))
          AND (j.expires_at IS NULL OR j.expires_at > ${now(2)})
          AND (j.ordering_key IS NULL OR NOT EXISTS (
            SELECT 1 FROM ${jobs} o WHERE o.queue = j.queue AND o.ordering_key = j.ordering_key
              AND o.status IN ('waiting', 'active') AND o.id < j.id))`;
  /** The snapshot of a guarded claim; with `perKey` ($n), the first jobs of each concurrency key come first. */
  const guardedSnapshot = (perKey: number | null) => {
    const picked =
      perKey === null
        ? `SELECT j.id, 1 AS turn FROM ${jobs} j WHERE ${runnable} ORDER BY j.priority DESC, j.run_at, j.id LIMIT $3 FOR UPDATE SKIP LOCKED`
        : `SELECT p.id, p.turn FROM ${jobs} j2 JOIN (
             SELECT r.id, r.turn, r.priority, r.run_at FROM (
               SELECT j.id, j.priority, j.run_at, CASE WHEN j.concurrency_key IS NULL THEN 1
                 ELSE row_number() OVER (PARTITION BY j.concurrency_key ORDER BY j.priority DESC, j.run_at, j.id) END AS turn
               FROM ${jobs} j WHERE ${runnable}
             ) r WHERE r.turn <= $${perKey}::int
             ORDER BY r.turn, r.priority DESC, r.run_at, r.id LIMIT $3
           ) p ON p.id = j2.id
           FOR UPDATE OF j2 SKIP LOCKED`;
    return `
      WITH picked AS (${picked}),
      cand AS (
        SELECT j.id::text AS id, j.name, j.concurrency_key, j.priority, j.run_at, p.turn,
               coalesce(j.rate_key, CASE WHEN $5::text IS NULL THEN NULL ELSE j.payload #>> string_to_array($5::text, '.') END, '') AS rate_key
        FROM ${jobs} j JOIN picked p ON p.id = j.id
      )
      SELECT ${now(2)} AS now,
        (SELECT count(*) FROM ${jobs} WHERE queue = $1 AND status = 'active')::int AS active,
        (SELECT json_object_agg(concurrency_key, n) FROM (
           SELECT concurrency_key, count(*) AS n FROM ${jobs} WHERE queue = $1 AND status = 'active' AND concurrency_key IS NOT NULL GROUP BY 1
         ) k) AS active_by_key,
        (SELECT json_agg(json_build_object('name', name, 'policy', policy, 'state', state)) FROM "${s}".breakers WHERE name = ANY($6::text[])) AS breakers,
        (SELECT json_object_agg(key, state) FROM "${s}".rate_windows WHERE scope = $1 AND key IN (SELECT rate_key FROM cand)) AS windows,
        (SELECT json_agg(json_build_object('id', id, 'name', name, 'concurrencyKey', concurrency_key, 'rateKey', rate_key,
                                           'priority', priority, 'runAt', run_at, 'turn', turn)) FROM cand) AS candidates`;
  };
  return {
    /** $1 name, $2 paused, $3 refuse when paused, $4 max depth, $5 policy, $6 guarded, $7 now. */
    upsertQueue: `
      INSERT INTO ${queues} (name, created_at, paused, refuse_when_paused, max_depth, policy, guarded)
      VALUES ($1, ${now(7)}, $2, $3, $4, $5::jsonb, $6)
      ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, refuse_when_paused = excluded.refuse_when_paused,
        max_depth = excluded.max_depth, policy = excluded.policy, guarded = excluded.guarded
      RETURNING name, created_at, paused, refuse_when_paused, max_depth, policy, guarded,
        CASE WHEN NOT paused THEN pg_notify('${s}_wake', name) END AS notified`,

    /** $1 queue. Taken first in a guarded claim's transaction: guarded claimers of one queue take turns. */
    lockQueue: `SELECT policy, paused FROM ${queues} WHERE name = $1 FOR UPDATE`,

    /**
     * $1 breaker names. Taken next, before any job row: a claim and a breaker's outcome update
     * (which locks the breaker, then defers jobs) serialise on the breaker without a deadlock.
     */
    lockBreakers: `SELECT name FROM "${s}".breakers WHERE name = ANY($1::text[]) ORDER BY name FOR UPDATE`,

    /**
     * $1 queue, $2 now, $3 candidates, $4 names or null, $5 rate-limit payload path or null, $6 breaker names.
     * Candidates are runnable waiting jobs in claim order, locked so no plain claim takes them meanwhile.
     */
    guardedSnapshot: guardedSnapshot(null),
    /** As guardedSnapshot, with $7 the per-key cap: each key's first jobs come first, so keys take turns. */
    guardedSnapshotKeyed: guardedSnapshot(7),

    /**
     * $1 ids to claim, $2 token, $3 lease ms, $4 worker, $5 deferred ids, $6 deferred until, $7 queue,
     * $8 window keys, $9 window states, $10 breaker names, $11 breaker states, $12 now.
     */
    guardedApply: `
      WITH deferred AS (
        UPDATE ${jobs} j SET run_at = d.until, updated_at = ${now(12)}
        FROM unnest($5::bigint[], $6::bigint[]) AS d(id, until) WHERE j.id = d.id AND j.status = 'waiting'
      ),
      windows AS (
        INSERT INTO "${s}".rate_windows (scope, key, state, updated_at)
        SELECT $7, w.k, w.s::jsonb, ${now(12)} FROM unnest($8::text[], $9::text[]) AS w(k, s)
        ON CONFLICT (scope, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at
      ),
      breakers AS (
        UPDATE "${s}".breakers b SET state = x.s::jsonb, updated_at = ${now(12)}
        FROM unnest($10::text[], $11::text[]) AS x(n, s) WHERE b.name = x.n
      )
      UPDATE ${jobs} j SET status = 'active', attempts = j.attempts + 1, lease_token = $2, lease_expires_at = ${now(12)} + $3::bigint,
             started_at = ${now(12)}, updated_at = ${now(12)}, worker_id = $4
      FROM unnest($1::bigint[]) AS c(id) WHERE j.id = c.id AND j.status = 'waiting'
      RETURNING ${claimedColumns.replace(/(\w+)/g, 'j.$1')}, j.started_at`,

    /** $1 name, $2 policy, $3 now. A breaker's state is kept when its policy changes. */
    defineBreaker: `
      INSERT INTO "${s}".breakers (name, policy, state, updated_at) VALUES ($1, $2::jsonb, 'null'::jsonb, ${now(3)})
      ON CONFLICT (name) DO UPDATE SET policy = excluded.policy`,

    listBreakers: `SELECT name, policy, state, updated_at, coalesce($1::bigint, (extract(epoch from now()) * 1000)::bigint) AS read_at FROM "${s}".breakers ORDER BY name`,

    lockBreaker: `SELECT policy, state FROM "${s}".breakers WHERE name = $1 FOR UPDATE`,

    /** $1 name, $2 state, $3 now. */
    writeBreaker: `UPDATE "${s}".breakers SET state = $2::jsonb, updated_at = ${now(3)} WHERE name = $1`,

    /**
     * $1 breaker, $2 until, $3 now: every waiting job it guards (by queue, or by job name, the name
     * winning) waits for the end of the cool-down, without spending an attempt.
     */
    deferGuarded: `
      UPDATE ${jobs} j SET run_at = $2, updated_at = ${now(3)}
      FROM ${queues} q
      WHERE j.queue = q.name AND q.guarded AND j.status = 'waiting' AND j.run_at < $2
        AND coalesce(q.policy -> 'breakers' ->> j.name, q.policy ->> 'breaker') = $1`,

    rateWindows: `SELECT key, state FROM "${s}".rate_windows WHERE scope = $1`,

    /** $1 queue, $2 key, $3 now: makes sure the window's row exists, so it can be locked. */
    ensureWindow: `
      INSERT INTO "${s}".rate_windows (scope, key, state, updated_at) VALUES ($1, $2, 'null'::jsonb, ${now(3)})
      ON CONFLICT (scope, key) DO NOTHING`,

    /** $1 queue, $2 key, $3 now: the window, locked, and the time. */
    lockWindow: `SELECT ${now(3)} AS now, state FROM "${s}".rate_windows WHERE scope = $1 AND key = $2 FOR UPDATE`,

    /** $1 queue, $2 key, $3 state, $4 now. */
    writeWindow: `
      INSERT INTO "${s}".rate_windows (scope, key, state, updated_at) VALUES ($1, $2, $3::jsonb, ${now(4)})
      ON CONFLICT (scope, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,

    activeByKey: `
      SELECT concurrency_key AS key, count(*)::int AS n FROM ${jobs}
      WHERE queue = $1 AND status = 'active' AND concurrency_key IS NOT NULL GROUP BY 1`,

    /** $1 now: waiting jobs past their expiry become expired, a slice at a time. */
    expire: `
      UPDATE ${jobs} SET status = 'expired', finished_at = ${now(1)}, updated_at = ${now(1)}
      WHERE id IN (SELECT id FROM ${jobs} WHERE status = 'waiting' AND expires_at <= ${now(1)} LIMIT 1000 FOR UPDATE SKIP LOCKED)
      RETURNING *`,
  };
}
