/**
 * The event bus on every store: fan-out in the publish's transaction, the outbox (commit and
 * rollback in the caller's transaction), durable subscriptions, filters, ordering keys (in one
 * process and across two worker processes), replay, deduplication by event id, and bad input.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Spool, type SpoolEvent, isSpoolError, systemClock } from '../helpers/api.js';
import { eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type Harness, T0, caught } from './harness.js';

/** Collects what each subscription's handler received. */
function recorder() {
  const seen = new Map<string, SpoolEvent[]>();
  return {
    seen,
    handler: (name: string) => (event: SpoolEvent) => {
      seen.set(name, [...(seen.get(name) ?? []), event]);
      return { ok: name };
    },
    of: (name: string) => seen.get(name) ?? [],
  };
}

export function busTests(h: Harness): void {
  describe('event bus', () => {
    it('publishing fans out to every subscription of the topic, in the same transaction, as delivery jobs', async () => {
      const spool = await h.open();
      const r = recorder();
      for (const name of ['billing', 'stock', 'email']) await spool.subscribe('orders', name, r.handler(name));
      await spool.subscribe('other-topic', 'unrelated', r.handler('unrelated'));
      const published = await spool.publish(
        'orders',
        { orderId: 42 },
        { name: 'order.placed', key: 'order-42', headers: { region: 'eu' } },
      );
      expect(published).toMatchObject({ created: true, deliveries: 3 });
      expect(published.seq).toMatch(/^\d+$/);
      for (const name of ['billing', 'stock', 'email']) {
        await eventually(() => r.of(name).length === 1);
        expect(r.of(name)[0]).toEqual({
          id: published.id,
          seq: published.seq,
          topic: 'orders',
          name: 'order.placed',
          key: 'order-42',
          headers: { region: 'eu' },
          payload: { orderId: 42 },
          publishedAt: T0,
        });
      }
      expect(r.of('unrelated')).toEqual([]);
      const jobs = await eventually(async () => {
        const page = await spool.listJobs({ queue: 'spool.sub.billing' });
        return page.jobs[0]?.status === 'completed' && page.jobs;
      });
      expect(jobs).toHaveLength(1);
      expect(jobs[0]).toMatchObject({ name: 'order.placed', status: 'completed', result: { ok: 'billing' } });
    });

    it('an event published while its subscriber runs nowhere is delivered when one starts', async () => {
      const producer = await h.open();
      await producer.declareSubscription('orders', 'late', {});
      const { id } = await producer.publish('orders', { n: 1 });
      expect((await producer.subscriptions()).find((s) => s.name === 'late')).toMatchObject({ backlog: 1, topic: 'orders' });
      const consumer = await h.open();
      const r = recorder();
      await consumer.subscribe('orders', 'late', r.handler('late'));
      await eventually(() => r.of('late').length === 1);
      expect(r.of('late')[0]?.id).toBe(id);
    });

    it('a subscription starts now by default; from "beginning" or a time it replays the retained log first', async () => {
      const spool = await h.open();
      const first = await spool.publish('log', { n: 1 });
      h.clock.advance(60_000);
      const second = await spool.publish('log', { n: 2 });
      const r = recorder();
      const fromNow = await spool.subscribe('log', 'from-now', r.handler('from-now'));
      const fromStart = await spool.subscribe('log', 'from-start', r.handler('from-start'), { from: 'beginning' });
      const fromTime = await spool.subscribe('log', 'from-time', r.handler('from-time'), { from: T0 + 30_000 });
      expect([fromNow.replayed, fromStart.replayed, fromTime.replayed]).toEqual([0, 2, 1]);
      const third = await spool.publish('log', { n: 3 });
      await eventually(() => r.of('from-now').length === 1 && r.of('from-start').length === 3 && r.of('from-time').length === 2);
      expect(r.of('from-now').map((e) => e.id)).toEqual([third.id]);
      expect(r.of('from-start').map((e) => e.id)).toEqual([first.id, second.id, third.id]);
      expect(r.of('from-time').map((e) => e.id)).toEqual([second.id, third.id]);
    });

    it('replay rewinds a subscription; a delivery still pending is never duplicated', async () => {
      const spool = await h.open();
      await spool.declareSubscription('log', 'audit');
      const events = [];
      for (let n = 0; n < 3; n++) events.push(await spool.publish('log', { n }));
      // All three still wait: replaying from the beginning creates nothing new.
      expect(await spool.replay('audit', 'beginning')).toBe(0);
      const r = recorder();
      await spool.subscribe('log', 'audit', r.handler('audit'));
      await eventually(async () => (await spool.counts('spool.sub.audit'))['spool.sub.audit']?.completed === 3);
      // Now delivered: a replay from the second event delivers the second and third again.
      expect(await spool.replay('audit', { eventId: (events[1] as { id: string }).id })).toBe(2);
      await eventually(() => r.of('audit').length === 5);
      expect(r.of('audit').map((e) => (e.payload as { n: number }).n)).toEqual([0, 1, 2, 1, 2]);
      expect(await spool.replay('audit', { afterSeq: (events[2] as { seq: string }).seq })).toBe(0);
      const err = await caught(() => spool.replay('nobody', 'beginning'));
      expect(isSpoolError(err, 'SPOOL_NOT_FOUND')).toBe(true);
    });

    it('an event id is published once: publishing it again delivers nothing and returns the first event', async () => {
      const spool = await h.open();
      await spool.declareSubscription('payments', 'ledger');
      const first = await spool.publish('payments', { amount: 5 }, { id: 'pay-1' });
      const again = await spool.publish('payments', { amount: 999 }, { id: 'pay-1' });
      expect(first).toMatchObject({ id: 'pay-1', created: true, deliveries: 1 });
      expect(again).toEqual({ id: 'pay-1', seq: first.seq, created: false, deliveries: 0 });
      const batch = await spool.publishMany([
        { topic: 'payments', payload: 1, options: { id: 'pay-2' } },
        { topic: 'payments', payload: 2, options: { id: 'pay-2' } },
      ]);
      expect(batch.map((e) => e.created)).toEqual([true, false]);
      const { events } = await spool.eventLog('payments');
      expect(events.map((e) => [e.id, e.payload])).toEqual([
        ['pay-1', { amount: 5 }],
        ['pay-2', 1],
      ]);
      expect((await spool.counts('spool.sub.ledger'))['spool.sub.ledger']?.waiting).toBe(2);
    });

    it('filters by event name and by header values', async () => {
      const spool = await h.open();
      const r = recorder();
      await spool.subscribe('orders', 'placed-only', r.handler('placed-only'), { filter: { names: ['order.placed'] } });
      await spool.subscribe('orders', 'eu-only', r.handler('eu-only'), { filter: { headers: { region: 'eu' } } });
      await spool.subscribe('orders', 'eu-placed', r.handler('eu-placed'), {
        filter: { names: ['order.placed'], headers: { region: 'eu' } },
      });
      const placedEu = await spool.publish('orders', 1, { name: 'order.placed', headers: { region: 'eu', channel: 'web' } });
      const placedUs = await spool.publish('orders', 2, { name: 'order.placed', headers: { region: 'us' } });
      const paidEu = await spool.publish('orders', 3, { name: 'order.paid', headers: { region: 'eu' } });
      const bare = await spool.publish('orders', 4);
      expect([placedEu, placedUs, paidEu, bare].map((e) => e.deliveries)).toEqual([3, 1, 1, 0]);
      await eventually(() => r.of('placed-only').length === 2 && r.of('eu-only').length === 2 && r.of('eu-placed').length === 1);
      expect(r.of('eu-placed')[0]?.id).toBe(placedEu.id);
    });

    it('lists topics, the retained log a page at a time, and subscriptions with backlog and lag', async () => {
      const spool = await h.open();
      await spool.declareSubscription('t', 'slow');
      for (let n = 0; n < 5; n++) await spool.publish('t', { n });
      h.clock.advance(10_000);
      expect(await spool.topics()).toEqual([
        expect.objectContaining({ name: 't', events: 5, subscriptions: 1, lastPublishedAt: T0, retentionMs: null }),
      ]);
      const page1 = await spool.eventLog('t', { limit: 2 });
      const page2 = await spool.eventLog('t', { limit: 2, after: page1.next as string });
      const page3 = await spool.eventLog('t', { limit: 2, after: page2.next as string });
      expect([...page1.events, ...page2.events, ...page3.events].map((e) => (e.payload as { n: number }).n)).toEqual([0, 1, 2, 3, 4]);
      expect(page3.next).toBeNull();
      expect(await spool.subscriptions()).toEqual([
        expect.objectContaining({ name: 'slow', topic: 't', queue: 'spool.sub.slow', backlog: 5, lagMs: 10_000, ordered: true }),
      ]);
    });

    it('events past their retention are pruned; a topic keeps its own retention', async () => {
      const spool = await h.open({ retention: { events: '1h' } });
      await spool.publish('short', 1);
      await spool.publish('long', 1);
      await spool.store.topics?.setRetention('long', 86_400_000);
      h.clock.advance(2 * 3_600_000);
      expect(await spool.prune()).toBe(1);
      expect((await spool.eventLog('short')).events).toEqual([]);
      expect((await spool.eventLog('long')).events).toHaveLength(1);
    });

    it('refuses bad input before anything is stored, saying what to change', async () => {
      const spool = await h.open();
      const badTopic = await caught(() => spool.publish('no spaces', {}));
      expect(badTopic.message).toMatch(/Invalid topic "no spaces"/);
      const internal = await caught(() => spool.publish('spool.sub.x', {}));
      expect(internal.message).toMatch(/reserved "spool\." namespace/);
      const tooBig = await caught(() => h.open({ maxPayloadBytes: 100 }).then((s) => s.publish('t', { big: 'x'.repeat(200) })));
      expect(isSpoolError(tooBig, 'SPOOL_PAYLOAD_TOO_LARGE')).toBe(true);
      const notJson = await caught(() => spool.publish('t', { at: 1n }));
      expect(notJson.message).toMatch(/payload\.at is a BigInt/);
      const badFilter = await caught(() => spool.declareSubscription('t', 's', { filter: { names: [] } }));
      expect(badFilter.message).toMatch(/filter\.names: must have at least 1 item/);
      const emptyFilter = await caught(() => spool.declareSubscription('t', 's', { filter: {} }));
      expect(emptyFilter.message).toMatch(/give names, headers or both/);
      const badHeader = await caught(() => spool.publish('t', {}, { headers: { region: 5 as unknown as string } }));
      expect(badHeader.message).toMatch(/headers\.region/);
      await spool.declareSubscription('t', 'taken');
      const elsewhere = await caught(() => spool.declareSubscription('other', 'taken'));
      expect(elsewhere.message).toMatch(/already exists on topic "t"/);
      expect((await spool.eventLog('t')).events).toEqual([]);
    });

    it('ordering keys: events of one key run one at a time in publish order; a failing event holds back its key only', async () => {
      const spool = await h.open();
      const log: string[] = [];
      const running = new Set<string>();
      let overlaps = 0;
      await spool.subscribe(
        'keyed',
        'ordered',
        async (event, ctx) => {
          const { key, n } = event.payload as { key: string; n: number };
          if (running.has(key)) overlaps++;
          running.add(key);
          log.push(`start ${key}${n}`);
          await new Promise((resolve) => setTimeout(resolve, 2));
          running.delete(key);
          if (key === 'a' && n === 1 && ctx.attempt === 1) {
            log.push(`fail ${key}${n}`);
            throw new Error('a1 fails once');
          }
          log.push(`end ${key}${n}`);
        },
        { concurrency: 8, backoff: { type: 'fixed', base: '10s' } },
      );
      for (let n = 0; n < 4; n++) for (const key of ['a', 'b']) await spool.publish('keyed', { key, n }, { key });
      // b runs to the end while a waits out a1's backoff.
      await eventually(() => log.includes('end b3') && log.includes('fail a1'));
      expect(log).not.toContain('start a2');
      h.clock.advance(10_000);
      await eventually(() => log.includes('end a3'), 10_000);
      expect(overlaps).toBe(0);
      const starts = (key: string) => log.filter((l) => l.startsWith(`start ${key}`)).map((l) => l.slice(6));
      expect(starts('a')).toEqual(['a0', 'a1', 'a1', 'a2', 'a3']);
      expect(starts('b')).toEqual(['b0', 'b1', 'b2', 'b3']);
    });

    it('orderingKey on plain jobs: same key one at a time in enqueue order, other keys in parallel', async () => {
      const spool = await h.open();
      const started: string[] = [];
      const finish = new Map<string, () => void>();
      spool.work(
        'q',
        (payload: string) =>
          new Promise<void>((resolve) => {
            started.push(payload);
            finish.set(payload, resolve);
          }),
        { concurrency: 10 },
      );
      for (const [payload, key] of [
        ['x1', 'x'],
        ['y1', 'y'],
        ['x2', 'x'],
        ['free', undefined],
        ['y2', 'y'],
      ] as const) {
        await spool.enqueue('q', 'n', payload, key ? { orderingKey: key } : {});
      }
      await eventually(() => started.length === 3);
      expect([...started].sort()).toEqual(['free', 'x1', 'y1']);
      finish.get('x1')?.();
      await eventually(() => started.includes('x2'));
      expect(started).not.toContain('y2');
      finish.get('y1')?.();
      await eventually(() => started.includes('y2'));
      for (const resolve of finish.values()) resolve();
      expect((await spool.getJob((await spool.listJobs({ queue: 'q', limit: 1 })).jobs[0]?.id as string))?.orderingKey).toBe('y');
    });

    it('the outbox: a publish inside the caller’s transaction is delivered on commit and never after a rollback', async () => {
      const spool = await h.open();
      const r = recorder();
      await spool.subscribe('outbox', 'reader', r.handler('reader'));
      if (h.kind === 'postgres') {
        const client = new pg.Client({ connectionString: h.url });
        await client.connect();
        try {
          await client.query(`SET search_path TO "${h.schema}"`);
          await client.query('BEGIN');
          await spool.publish('outbox', { tx: 'rolled back' }, { tx: client });
          await client.query('ROLLBACK');
          await client.query('BEGIN');
          await spool.publish('outbox', { tx: 'committed' }, { tx: client });
          await client.query('COMMIT');
        } finally {
          await client.end();
        }
      } else {
        const db = new Database(h.url.replace(/^sqlite:/, ''));
        db.pragma('busy_timeout = 5000');
        try {
          const attempt = (label: string, fail: boolean) =>
            db.transaction(() => {
              void spool.publish('outbox', { tx: label }, { tx: db });
              if (fail) throw new Error('the caller changes its mind');
            })();
          expect(() => attempt('rolled back', true)).toThrow(/changes its mind/);
          attempt('committed', false);
        } finally {
          db.close();
        }
      }
      await eventually(() => r.of('reader').length === 1);
      expect(r.of('reader').map((e) => e.payload)).toEqual([{ tx: 'committed' }]);
      expect((await spool.eventLog('outbox')).events.map((e) => e.payload)).toEqual([{ tx: 'committed' }]);
    });
  });

  describe('event bus across worker processes', () => {
    let dir = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'spool-bus-'));
    });
    afterEach(async () => {
      await killAllWorkerProcesses();
      rmSync(dir, { recursive: true, force: true });
    });

    it('two subscriber processes keep each key in order without overlap, while other keys pass a failing one', {
      timeout: 60_000,
    }, async () => {
      const spool: Spool = await h.open({ clock: systemClock });
      await spool.declareSubscription('keyed', 'mp', { backoff: { type: 'fixed', base: '500ms' } });
      const runs = join(dir, 'runs.log');
      const options = { runs, sleep: 3, concurrency: 4, poll: 20 };
      await Promise.all([
        WorkerProcess.start(h.url, h.schema, 'spool.sub.mp', 'ordered', options),
        WorkerProcess.start(h.url, h.schema, 'spool.sub.mp', 'ordered', options),
      ]);
      const keys = ['a', 'b', 'c', 'd'];
      await spool.publishMany(
        Array.from({ length: 15 }, (_, n) =>
          keys.map((key) => ({ topic: 'keyed', payload: { key, n, failOnce: key === 'a' && n === 3 }, options: { key } })),
        ).flat(),
      );
      await eventually(async () => (await spool.counts('spool.sub.mp'))['spool.sub.mp']?.completed === 60, 40_000, 100);
      const lines = readFileSync(runs, 'utf8').trim().split('\n');
      const pids = new Set(lines.filter((l) => l.startsWith('start')).map((l) => l.split(' ')[3]));
      expect(pids.size).toBe(2);
      for (const key of keys) {
        const mine = lines.filter((l) => l.split(' ')[1] === key).map((l) => l.split(' ').slice(0, 3).join(' '));
        // start, then its end (or fail), then the next start: never two starts in a row.
        for (let i = 0; i < mine.length; i += 2) {
          expect(mine[i]?.startsWith('start'), `${key}: ${mine.join(', ')}`).toBe(true);
          expect(mine[i + 1]?.replace(/^(end|fail)/, 'start'), `${key}: ${mine.join(', ')}`).toBe(mine[i]);
        }
        const order = mine.filter((l) => l.startsWith('start')).map((l) => Number(l.split(' ')[2]));
        expect(order).toEqual(
          key === 'a' ? [0, 1, 2, 3, 3, ...Array.from({ length: 11 }, (_, i) => i + 4)] : Array.from({ length: 15 }, (_, i) => i),
        );
      }
      // While a3 waited out its backoff, other keys kept going.
      const failed = lines.indexOf('fail a 3');
      const retried = lines.findIndex((l, i) => i > failed && l.startsWith('start a 3'));
      expect(lines.slice(failed, retried).some((l) => l.startsWith('start') && !l.startsWith('start a'))).toBe(true);
    });
  });
}
