/**
 * @module
 * Flow control on PostgreSQL (the store's `limits` part): queue settings, claims under a queue's
 * policies in one transaction per claim, shared breakers under a row lock, and expiry.
 */
import type pg from 'pg';
import {
  type BreakerPolicy,
  type BreakerState,
  type Candidate,
  type ClaimSnapshot,
  type RateWindowState,
  isGuarded,
} from '../../core/flow.js';
import type { ClaimedJob } from '../../core/types.js';
import type { BreakerTransition, LimitsPart } from '../contract.js';
import { type ClaimedRow, type JobRow, rowToClaimed, rowToJob } from '../row.js';
import { toStoreError } from './connection-errors.js';
import { type LimitsStatementName, limitsStatements } from './limits-statements.js';
import { toQueueRecord } from './parts.js';

export interface PostgresLimitsAccess {
  pool: pg.Pool;
  /** Claims commit asynchronously there, as plain claims do. */
  leasePool: pg.Pool;
  schema: string;
  where: string;
  now(): number | null;
  wake(queues: readonly string[]): void;
}

const json = <T>(value: unknown): T => (typeof value === 'string' ? JSON.parse(value) : value) as T;

export function postgresLimits(access: PostgresLimitsAccess): LimitsPart {
  const statements = limitsStatements(access.schema);
  const run = async <T>(client: pg.Pool | pg.PoolClient, name: LimitsStatementName, values: unknown[]): Promise<T[]> => {
    try {
      const result = await client.query({ name: `${access.schema}.limits.${name}`, text: statements[name], values });
      return result.rows as T[];
    } catch (err) {
      throw toStoreError(err, access.where);
    }
  };
  /** Runs `body` in a transaction on a connection of `pool`; rolls back on any error. */
  const transaction = async <T>(pool: pg.Pool, body: (client: pg.PoolClient) => Promise<T>): Promise<T> => {
    const client = await pool.connect().catch((err: unknown) => {
      throw toStoreError(err, access.where);
    });
    try {
      await client.query('BEGIN');
      const result = await body(client);
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => {});
      throw toStoreError(err, access.where);
    } finally {
      client.release();
    }
  };

  return {
    async setQueue(name, settings) {
      const existing = await access.pool
        .query(
          `SELECT name, created_at, paused, refuse_when_paused, max_depth, policy, guarded FROM "${access.schema}".queues WHERE name = $1`,
          [name],
        )
        .catch((err: unknown) => {
          throw toStoreError(err, access.where);
        });
      const before = existing.rows[0] ? toQueueRecord(existing.rows[0]) : null;
      const policy = settings.policy ?? before?.policy ?? {};
      const [row] = await run<Parameters<typeof toQueueRecord>[0]>(access.pool, 'upsertQueue', [
        name,
        settings.paused ?? before?.paused ?? false,
        settings.refuseWhenPaused ?? before?.refuseWhenPaused ?? false,
        settings.maxDepth === undefined ? (before?.maxDepth ?? null) : settings.maxDepth,
        JSON.stringify(policy),
        isGuarded(policy),
        access.now(),
      ]);
      const record = toQueueRecord(row as Parameters<typeof toQueueRecord>[0]);
      if (!record.paused) access.wake([name]);
      return record;
    },

    async claimGuarded(request, plan) {
      const result = await transaction(access.leasePool, async (client) => {
        const [queue] = await run<{ policy: unknown; paused: boolean }>(client, 'lockQueue', [request.queue]);
        if (!queue || queue.paused) return { jobs: [], transitions: [] as BreakerTransition[] };
        const policy = json<ClaimSnapshot['policy']>(queue.policy);
        const breakerNames = [...new Set([policy.breaker, ...Object.values(policy.breakers ?? {})].filter((n): n is string => Boolean(n)))];
        if (breakerNames.length > 0) await run(client, 'lockBreakers', [breakerNames]);
        const base = [
          request.queue,
          access.now(),
          request.candidates,
          request.names ?? null,
          policy.rateLimit?.keyPath ?? null,
          breakerNames,
        ];
        const [snap] = policy.keyConcurrency
          ? await run<SnapshotRow>(client, 'guardedSnapshotKeyed', [...base, policy.keyConcurrency])
          : await run<SnapshotRow>(client, 'guardedSnapshot', base);
        const row = snap as SnapshotRow;
        const at = Number(row.now);
        const snapshot: ClaimSnapshot = {
          now: at,
          policy,
          active: row.active,
          activeByKey: json<Record<string, number> | null>(row.active_by_key) ?? {},
          breakers: Object.fromEntries(
            (json<{ name: string; policy: BreakerPolicy; state: BreakerState | null }[] | null>(row.breakers) ?? []).map((b) => [
              b.name,
              { policy: b.policy, state: b.state },
            ]),
          ),
          windows: json<Record<string, RateWindowState> | null>(row.windows) ?? {},
          candidates: (json<(Candidate & { priority: number; runAt: string | number; turn: number })[] | null>(row.candidates) ?? [])
            .sort((a, b) => a.turn - b.turn || b.priority - a.priority || Number(a.runAt) - Number(b.runAt) || Number(a.id) - Number(b.id))
            .map(({ id, name, concurrencyKey, rateKey }) => ({ id, name, concurrencyKey, rateKey })),
        };
        const decided = plan(snapshot);
        const windows = Object.entries(decided.windows);
        const breakers = Object.entries(decided.breakers);
        const claimed = await run<ClaimedRow & { started_at: string }>(client, 'guardedApply', [
          decided.claim,
          request.token,
          request.leaseMs,
          request.workerId,
          decided.defer.map((d) => d.id),
          decided.defer.map((d) => d.until),
          request.queue,
          windows.map(([key]) => key),
          windows.map(([, state]) => JSON.stringify(state)),
          breakers.map(([name]) => name),
          breakers.map(([, state]) => JSON.stringify(state)),
          at,
        ]);
        const order = new Map(decided.claim.map((id, index) => [id, index]));
        const jobs: ClaimedJob[] = claimed
          .map((r) => rowToClaimed(r, request, Number(r.started_at)))
          .sort((a, b) => (order.get(a.id) ?? 0) - (order.get(b.id) ?? 0));
        return { jobs, transitions: decided.transitions.map((t) => ({ ...t, at })) };
      });
      return result;
    },

    async defineBreaker(name, policy) {
      await run(access.pool, 'defineBreaker', [name, JSON.stringify(policy), access.now()]);
    },

    async listBreakers() {
      const rows = await run<{ name: string; policy: unknown; state: unknown; updated_at: string }>(access.pool, 'listBreakers', []);
      return rows.map((r) => ({
        name: r.name,
        policy: json<BreakerPolicy>(r.policy),
        state: json<BreakerState | null>(r.state),
        updatedAt: Number(r.updated_at),
      }));
    },

    async recordBreaker(name, apply) {
      return transaction(access.pool, async (client) => {
        const [row] = await run<{ policy: unknown; state: unknown }>(client, 'lockBreaker', [name]);
        if (!row) return null;
        const [{ now: at }] = (
          await client.query<{ now: string }>(`SELECT coalesce($1::bigint, (extract(epoch from now()) * 1000)::bigint) AS now`, [
            access.now(),
          ])
        ).rows as [{ now: string }];
        const nowMs = Number(at);
        const { state, transition } = apply(json<BreakerState | null>(row.state), json<BreakerPolicy>(row.policy), nowMs);
        await run(client, 'writeBreaker', [name, JSON.stringify(state), nowMs]);
        if (state.status === 'open') await run(client, 'deferGuarded', [name, state.until, nowMs]);
        return transition ? { breaker: name, ...transition, at: nowMs } : null;
      });
    },

    async updateWindow(queue, key, apply) {
      await transaction(access.pool, async (client) => {
        await run(client, 'ensureWindow', [queue, key, access.now()]);
        const [row] = await run<{ now: string; state: unknown }>(client, 'lockWindow', [queue, key, access.now()]);
        const at = Number(row?.now);
        await run(client, 'writeWindow', [queue, key, JSON.stringify(apply(json<RateWindowState | null>(row?.state ?? null), at)), at]);
      });
    },

    async rateWindows(queue) {
      const rows = await run<{ key: string; state: unknown }>(access.pool, 'rateWindows', [queue]);
      return Object.fromEntries(rows.map((r) => [r.key, json<RateWindowState>(r.state)]));
    },

    async expire() {
      const rows = await run<JobRow>(access.pool, 'expire', [access.now()]);
      return rows.map(rowToJob);
    },

    async activeByKey(queue) {
      const rows = await run<{ key: string; n: number }>(access.pool, 'activeByKey', [queue]);
      return Object.fromEntries(rows.map((r) => [r.key, r.n]));
    },
  };
}

interface SnapshotRow {
  now: string;
  active: number;
  active_by_key: unknown;
  breakers: unknown;
  windows: unknown;
  candidates: unknown;
}
