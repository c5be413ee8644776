/**
 * @module
 * Flow control on SQLite (the store's `limits` part). One writer at a time makes every guarded
 * claim and breaker update a plain IMMEDIATE transaction: read the snapshot, let the pure
 * policies plan, write the plan — nothing another process can slip between.
 */
import type Database from 'better-sqlite3';
import {
  type BreakerPolicy,
  type BreakerState,
  type Candidate,
  type QueuePolicy,
  type RateWindowState,
  isGuarded,
} from '../../core/flow.js';
import type { BreakerTransition, LimitsPart } from '../contract.js';
import { type ClaimedRow, type JobRow, claimedColumns, rowToClaimed, rowToJob } from '../row.js';
import { toQueueRecord } from './parts.js';

export interface SqliteLimitsAccess {
  db: Database.Database;
  prepare(text: string): Database.Statement;
  now(): number;
  guard<T>(operation: () => T): Promise<T>;
  wake(queue: string): void;
}

const statements = {
  getQueue: 'SELECT name, created_at, paused, refuse_when_paused, max_depth, policy, guarded FROM spool_queues WHERE name = ?',
  upsertQueue: `
    INSERT INTO spool_queues (name, created_at, paused, refuse_when_paused, max_depth, policy, guarded)
    VALUES (:name, :now, :paused, :refuse, :maxDepth, :policy, :guarded)
    ON CONFLICT (name) DO UPDATE SET paused = excluded.paused, refuse_when_paused = excluded.refuse_when_paused,
      max_depth = excluded.max_depth, policy = excluded.policy, guarded = excluded.guarded
    RETURNING name, created_at, paused, refuse_when_paused, max_depth, policy, guarded`,
  active: `SELECT count(*) AS n FROM spool_jobs WHERE queue = ? AND status = 'active'`,
  activeByKey: `SELECT concurrency_key AS key, count(*) AS n FROM spool_jobs WHERE queue = ? AND status = 'active' AND concurrency_key IS NOT NULL GROUP BY 1`,
  breaker: 'SELECT name, policy, state, updated_at FROM spool_breakers WHERE name = ?',
  window: 'SELECT state FROM spool_rate_windows WHERE scope = ? AND key = ?',
  /**
   * :queue, :now, :limit, :names (JSON array or null), :path (a payload path or null), :perKey (the
   * per-key cap, or null): runnable jobs in claim order; with a per-key cap, each key's first jobs
   * come first, so keys take turns.
   */
  candidates: `
    SELECT id, name, concurrency_key, rate_key FROM (
      SELECT j.id, j.name, j.concurrency_key, j.priority, j.run_at,
             coalesce(j.rate_key, CASE WHEN :path IS NULL THEN NULL ELSE json_extract(j.payload, '$.' || :path) END, '') AS rate_key,
             CASE WHEN :perKey IS NULL OR j.concurrency_key IS NULL THEN 1
               ELSE row_number() OVER (PARTITION BY j.concurrency_key ORDER BY j.priority DESC, j.run_at, j.id) END AS turn
      FROM spool_jobs j
      WHERE j.queue = :queue AND j.status = 'waiting' AND j.run_at <= :now
        AND (:names IS NULL OR j.name IN (SELECT value FROM json_each(:names)))
        AND (j.expires_at IS NULL OR j.expires_at > :now)
        AND (j.ordering_key IS NULL OR NOT EXISTS (
          SELECT 1 FROM spool_jobs o WHERE o.queue = j.queue AND o.ordering_key = j.ordering_key
            AND o.status IN ('waiting', 'active') AND o.id < j.id))
    ) WHERE :perKey IS NULL OR turn <= :perKey
    ORDER BY turn, priority DESC, run_at, id LIMIT :limit`,
  claim: `
    UPDATE spool_jobs SET status = 'active', attempts = attempts + 1, lease_token = :token, lease_expires_at = :expires,
           started_at = :now, updated_at = :now, worker_id = :worker
    WHERE id = :id AND status = 'waiting' RETURNING ${claimedColumns}`,
  defer: `UPDATE spool_jobs SET run_at = :until, updated_at = :now WHERE id = :id AND status = 'waiting'`,
  writeWindow: `
    INSERT INTO spool_rate_windows (scope, key, state, updated_at) VALUES (?, ?, ?, ?)
    ON CONFLICT (scope, key) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at`,
  writeBreaker: 'UPDATE spool_breakers SET state = ?, updated_at = ? WHERE name = ?',
  defineBreaker: `
    INSERT INTO spool_breakers (name, policy, state, updated_at) VALUES (?, ?, 'null', ?)
    ON CONFLICT (name) DO UPDATE SET policy = excluded.policy`,
  listBreakers: 'SELECT name, policy, state, updated_at FROM spool_breakers ORDER BY name',
  /** :name, :until, :now: every waiting job the breaker guards waits for the end of its cool-down. */
  deferGuarded: `
    UPDATE spool_jobs SET run_at = :until, updated_at = :now
    WHERE status = 'waiting' AND run_at < :until AND queue IN (SELECT name FROM spool_queues WHERE guarded)
      AND coalesce(
        (SELECT json_extract(q.policy, '$.breakers."' || spool_jobs.name || '"') FROM spool_queues q WHERE q.name = spool_jobs.queue),
        (SELECT json_extract(q.policy, '$.breaker') FROM spool_queues q WHERE q.name = spool_jobs.queue)) = :name`,
  rateWindows: 'SELECT key, state FROM spool_rate_windows WHERE scope = ?',
  expire: `
    UPDATE spool_jobs SET status = 'expired', finished_at = :now, updated_at = :now
    WHERE id IN (SELECT id FROM spool_jobs WHERE status = 'waiting' AND expires_at <= :now LIMIT 1000) RETURNING *`,
} as const;

export function sqliteLimits(access: SqliteLimitsAccess): LimitsPart {
  const { db, now, guard } = access;
  const sql = (name: keyof typeof statements) => access.prepare(statements[name]);
  const json = <T>(text: string | null): T => (text === null ? null : JSON.parse(text)) as T;

  return {
    async setQueue(name, settings) {
      return guard(() => {
        const record = db
          .transaction(() => {
            const row = sql('getQueue').get(name) as Parameters<typeof toQueueRecord>[0] | undefined;
            const before = row ? toQueueRecord(row) : null;
            const policy: QueuePolicy = settings.policy ?? before?.policy ?? {};
            return toQueueRecord(
              sql('upsertQueue').get({
                name,
                now: now(),
                paused: (settings.paused ?? before?.paused ?? false) ? 1 : 0,
                refuse: (settings.refuseWhenPaused ?? before?.refuseWhenPaused ?? false) ? 1 : 0,
                maxDepth: settings.maxDepth === undefined ? (before?.maxDepth ?? null) : settings.maxDepth,
                policy: JSON.stringify(policy),
                guarded: isGuarded(policy) ? 1 : 0,
              }) as Parameters<typeof toQueueRecord>[0],
            );
          })
          .immediate();
        if (!record.paused) access.wake(name);
        return record;
      });
    },

    async claimGuarded(request, plan) {
      const at = now();
      return guard(() =>
        db
          .transaction(() => {
            const row = sql('getQueue').get(request.queue) as Parameters<typeof toQueueRecord>[0] | undefined;
            const queue = row ? toQueueRecord(row) : null;
            if (!queue || queue.paused) return { jobs: [], transitions: [] as BreakerTransition[] };
            const { policy } = queue;
            const candidates = (
              sql('candidates').all({
                queue: request.queue,
                now: at,
                limit: request.candidates,
                names: request.names ? JSON.stringify(request.names) : null,
                path: policy.rateLimit?.keyPath ?? null,
                perKey: policy.keyConcurrency ?? null,
              }) as { id: number; name: string; concurrency_key: string | null; rate_key: unknown }[]
            ).map(
              (c): Candidate => ({ id: String(c.id), name: c.name, concurrencyKey: c.concurrency_key, rateKey: String(c.rate_key ?? '') }),
            );
            const breakers: Record<string, { policy: BreakerPolicy; state: BreakerState | null }> = {};
            for (const name of new Set([policy.breaker, ...Object.values(policy.breakers ?? {})])) {
              if (!name) continue;
              const b = sql('breaker').get(name) as { policy: string; state: string } | undefined;
              if (b) breakers[name] = { policy: json(b.policy), state: json(b.state) };
            }
            const windows: Record<string, RateWindowState | null> = {};
            for (const key of new Set(candidates.map((c) => c.rateKey))) {
              const w = sql('window').get(request.queue, key) as { state: string } | undefined;
              windows[key] = w ? json(w.state) : null;
            }
            const decided = plan({
              now: at,
              policy,
              active: (sql('active').get(request.queue) as { n: number }).n,
              activeByKey: Object.fromEntries(
                (sql('activeByKey').all(request.queue) as { key: string; n: number }[]).map((r) => [r.key, r.n]),
              ),
              breakers,
              windows,
              candidates,
            });
            for (const d of decided.defer) sql('defer').run({ id: d.id, until: d.until, now: at });
            for (const [key, state] of Object.entries(decided.windows))
              sql('writeWindow').run(request.queue, key, JSON.stringify(state), at);
            for (const [name, state] of Object.entries(decided.breakers)) sql('writeBreaker').run(JSON.stringify(state), at, name);
            const claim = sql('claim');
            const jobs = decided.claim.flatMap((id) => {
              const claimed = claim.get({
                id,
                token: request.token,
                expires: at + request.leaseMs,
                now: at,
                worker: request.workerId,
              }) as ClaimedRow | undefined;
              return claimed ? [rowToClaimed(claimed, request, at)] : [];
            });
            return { jobs, transitions: decided.transitions.map((t) => ({ ...t, at })) };
          })
          .immediate(),
      );
    },

    async defineBreaker(name, policy) {
      await guard(() => sql('defineBreaker').run(name, JSON.stringify(policy), now()));
    },

    async listBreakers() {
      return guard(() =>
        (sql('listBreakers').all() as { name: string; policy: string; state: string; updated_at: number }[]).map((r) => ({
          name: r.name,
          policy: json<BreakerPolicy>(r.policy),
          state: json<BreakerState | null>(r.state),
          updatedAt: r.updated_at,
        })),
      );
    },

    async recordBreaker(name, apply) {
      const at = now();
      return guard(() =>
        db
          .transaction(() => {
            const row = sql('breaker').get(name) as { policy: string; state: string } | undefined;
            if (!row) return null;
            const { state, transition } = apply(json(row.state), json(row.policy), at);
            sql('writeBreaker').run(JSON.stringify(state), at, name);
            if (state.status === 'open') sql('deferGuarded').run({ name, until: state.until, now: at });
            return transition ? { breaker: name, ...transition, at } : null;
          })
          .immediate(),
      );
    },

    async updateWindow(queue, key, apply) {
      const at = now();
      await guard(() =>
        db
          .transaction(() => {
            const row = sql('window').get(queue, key) as { state: string } | undefined;
            sql('writeWindow').run(queue, key, JSON.stringify(apply(row ? json(row.state) : null, at)), at);
          })
          .immediate(),
      );
    },

    async rateWindows(queue) {
      return guard(() =>
        Object.fromEntries(
          (sql('rateWindows').all(queue) as { key: string; state: string }[]).map((r) => [r.key, json<RateWindowState>(r.state)]),
        ),
      );
    },

    async expire() {
      return guard(() => (sql('expire').all({ now: now() }) as JobRow[]).map(rowToJob));
    },

    async activeByKey(queue) {
      return guard(() => Object.fromEntries((sql('activeByKey').all(queue) as { key: string; n: number }[]).map((r) => [r.key, r.n])));
    },
  };
}
