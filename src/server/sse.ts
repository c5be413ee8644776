/**
 * @module
 * A job's status and progress as Server-Sent Events. Each event carries a full snapshot of the
 * job (`data`), and `<updatedAt>-<digest>` as the event id, so a client that reconnects with
 * `Last-Event-ID` gets the current snapshot at once when anything changed while it was away:
 * snapshots never leave gaps. The stream waits for the server's change feed (change-feed.ts: this
 * process's events, and other processes' changes pushed or polled once for every stream) and
 * reads its job only when it may have changed. It ends after a final state; a reconnect after
 * that is answered `204 No Content`, which tells EventSource clients to stop.
 *
 * New lines of the job's own log go out as `log` events (no id, so Last-Event-ID keeps following
 * the snapshots; each line carries its `seq`): read every second while the job runs, and once
 * more before its final status, which is written after its last lines.
 */
import { createHash } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import type { Spool } from '../client/spool.js';
import { coerceError } from '../core/errors.js';
import { type Job, finalStatuses } from '../core/types.js';
import type { ChangeFeed } from './change-feed.js';
import { keepAlive, onHeartbeat } from './heartbeat.js';
import { type ViewOptions, toJobView } from './job-view.js';

export interface SseOptions {
  /**
   * PostgreSQL: how often the change feed reads every watched job in one statement, in case a
   * change was not pushed. SQLite: how often it reads the store's log of watched jobs' changes
   * (other processes' commits also trigger a read at once). @defaultValue 20 ms on SQLite, 5 s on PostgreSQL
   */
  pollMs?: number;
  /** How often a comment line keeps idle connections (and proxies) open. @defaultValue 15 s */
  heartbeatMs: number;
  /** The reconnection delay sent to clients. @defaultValue 1 s */
  retryMs: number;
}

/** How often a running job's stream looks for new log lines, and how many it reads at a time. */
const logPollMs = 1_000;
const logPage = 500;

export const defaultSseOptions: SseOptions = { heartbeatMs: 15_000, retryMs: 1_000 };

/** Open streams, so a shutdown can end them (they would otherwise hold the server open). */
export type StreamRegistry = Set<() => void>;

/** Where a client left off: the `updatedAt` and the digest of the last snapshot it saw. */
export interface EventPosition {
  updatedAt: number;
  digest: string | null;
}

/** Reads a Last-Event-ID header (`<updatedAt>-<digest>`, or a bare updatedAt), or null. */
export function parseLastEventId(value: string | undefined): EventPosition | null {
  const match = /^(\d{1,16})(?:-([0-9a-f]{1,64}))?$/.exec(value?.trim() ?? '');
  return match ? { updatedAt: Number(match[1]), digest: match[2] ?? null } : null;
}

/**
 * The event id of a snapshot: its `updatedAt`, and a digest of what watchers see, so two changes
 * within the same millisecond still get different ids.
 */
export function eventId(job: Job): string {
  const { status, progress } = fingerprint(job);
  return `${job.updatedAt}-${createHash('sha256').update(`${status}|${progress}`).digest('hex').slice(0, 12)}`;
}

/** True when the client at `position` has not seen this job's snapshot yet. */
export function isNewer(job: Job, position: EventPosition | null): boolean {
  if (position === null) return true;
  if (job.updatedAt !== position.updatedAt) return job.updatedAt > position.updatedAt;
  return position.digest !== null && eventId(job) !== `${position.updatedAt}-${position.digest}`;
}

export function isFinal(job: Job): boolean {
  return finalStatuses.includes(job.status);
}

export function jobEventStream(
  c: Context,
  spool: Spool,
  feed: ChangeFeed,
  first: Job,
  lastEventId: EventPosition | null,
  streams: StreamRegistry,
  options: SseOptions,
  view: ViewOptions = {},
  /** Send the log lines after this seq first; null sends only lines stored from now on. */
  logsAfter: number | null = null,
): Response {
  c.header('cache-control', 'no-cache, no-transform');
  c.header('x-accel-buffering', 'no');
  return streamSSE(c, async (stream) => {
    let wake: (() => void) | null = null;
    let stopped = false;
    const stop = () => {
      stopped = true;
      wake?.();
    };
    streams.add(stop);
    stream.onAbort(stop);
    let changed = false;
    const unwatch = feed.watch(first, () => {
      changed = true;
      wake?.();
    });
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const stopBeating = onHeartbeat(options.heartbeatMs, () => {
      // On @hono/node-server, straight to the response: the body stream carries whole messages, so
      // a comment between two is safe, and it skips the web streams' reads, writes and promises
      // (most of what 10,000 idle streams cost). Elsewhere, or before the headers went, through the stream.
      if (outgoing?.headersSent && !outgoing.writableEnded) {
        if (outgoing.destroyed) stop();
        else outgoing.write(keepAlive);
      } else void stream.write(keepAlive).catch(stop);
    });
    const send = (event: 'status' | 'progress', job: Job) =>
      stream.writeSSE({ event, id: eventId(job), data: JSON.stringify(toJobView(job, view)) });
    const logs = spool.store.logs;
    // Unreadable now: the stream then starts from the job's first line rather than miss any.
    let logSeq = logsAfter ?? (logs ? await logs.lastSeq(first.id).catch(() => 0) : 0);
    const sendLines = async () => {
      for (let more = Boolean(logs); more && !stopped; ) {
        const lines = (await logs?.list(first.id, { after: logSeq, limit: logPage })) ?? [];
        for (const line of lines) await stream.writeSSE({ event: 'log', data: JSON.stringify(line) });
        logSeq = lines.at(-1)?.seq ?? logSeq;
        more = lines.length === logPage;
      }
    };
    try {
      await stream.write(`retry: ${options.retryMs}\n\n`);
      let job = first;
      let seen = fingerprint(job);
      if (isNewer(job, lastEventId)) await send('status', job);
      if (logsAfter !== null) await sendLines();
      let failures = 0;
      while (!stopped && !isFinal(job)) {
        if (!changed || failures > 0) {
          await new Promise<void>((resolve) => {
            // After a failed read, try again by itself (backing off) as well as on the next change;
            // while the job runs, every second too, for its new log lines.
            const timer =
              failures > 0
                ? setTimeout(resolve, Math.min(100 * 2 ** failures, 5_000))
                : logs && job.status === 'active'
                  ? setTimeout(resolve, logPollMs)
                  : null;
            wake = () => {
              if (timer) clearTimeout(timer);
              resolve();
            };
          });
        }
        wake = null;
        const woken = changed || failures > 0;
        changed = false;
        if (stopped) break;
        let next: Job | null;
        try {
          next = woken ? await spool.getJob(job.id) : job;
          if (next && (woken || next.status === 'active')) await sendLines();
          failures = 0;
        } catch (err) {
          failures++;
          spool.logger.warn(`The event stream of job ${job.id} could not read the store; retrying.`, { error: coerceError(err).message });
          continue;
        }
        if (!next) break; // pruned: nothing more will happen to it
        const now = fingerprint(next);
        if (now.status !== seen.status) await send('status', next);
        else if (now.progress !== seen.progress) await send('progress', next);
        seen = now;
        job = next;
      }
    } finally {
      stopBeating();
      unwatch();
      streams.delete(stop);
    }
  });
}

/**
 * What a watcher cares about. `updatedAt` also moves on lease heartbeats; those send nothing.
 * A new attempt or a recorded error counts as a status change.
 */
function fingerprint(job: Job): { status: string; progress: string } {
  return { status: `${job.status}/${job.attempts}/${job.errors.length}`, progress: JSON.stringify(job.progress) };
}
