/** Bad input: each mistake gets a typed error whose message says what was wrong and what to do; nothing is stored. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createSpool, isSpoolError, silentLogger } from '../helpers/api.js';
import { type Harness, T0, caught } from './harness.js';

export function validationTests(h: Harness): void {
  describe('bad input', () => {
    it('an invalid queue name is refused with the name and the rule in the message', async () => {
      const spool = await h.open();
      for (const queue of ['', 'has space', 'a/b', '-leading-dash', 'x'.repeat(129), 42 as unknown as string]) {
        const err = await caught(() => spool.enqueue(queue, 'n'));
        expect(isSpoolError(err, 'SPOOL_INVALID_ARGUMENT'), `queue ${JSON.stringify(queue)}`).toBe(true);
        expect(err.message).toMatch(/queue/i);
        expect(err.message).toContain(JSON.stringify(queue));
        expect(err.message).toMatch(/letters, digits/);
      }
      expect(() => spool.work('bad queue', () => {})).toThrow(/queue/);
      expect(await spool.counts()).toEqual({});
    });

    it('an invalid job name is refused with the name in the message', async () => {
      const spool = await h.open();
      for (const name of ['', 'send welcome', 'émoji✓', 'x'.repeat(129)]) {
        const err = await caught(() => spool.enqueue('q', name));
        expect(isSpoolError(err, 'SPOOL_INVALID_ARGUMENT'), `name ${JSON.stringify(name)}`).toBe(true);
        expect(err.message).toMatch(/job name/i);
        expect(err.message).toContain(JSON.stringify(name));
      }
      expect(await spool.counts()).toEqual({});
    });

    it('a payload JSON cannot represent is refused with SPOOL_PAYLOAD_NOT_JSON naming the path', async () => {
      const spool = await h.open();
      const cycle: Record<string, unknown> = { a: 1 };
      cycle.self = cycle;
      const cases: [string, unknown, RegExp][] = [
        ['BigInt', { order: { total: 10n } }, /order\.total/],
        ['function', { callback: () => 1 }, /callback/],
        ['cycle', { wrapper: cycle }, /wrapper\.self/],
        ['Map', { lookup: new Map([['a', 1]]) }, /lookup/],
        ['NaN', { list: [1, Number.NaN] }, /list\[1\]/],
        ['Infinity', { ratio: Number.POSITIVE_INFINITY }, /ratio/],
        ['class instance', { when: new (class Money {})() }, /when/],
      ];
      for (const [what, payload, path] of cases) {
        const err = await caught(() => spool.enqueue('q', 'n', payload));
        expect(isSpoolError(err, 'SPOOL_PAYLOAD_NOT_JSON'), what).toBe(true);
        expect(err.message, what).toMatch(path);
        expect(err.message, what).toMatch(/JSON/);
      }
      const topLevel = await caught(() => spool.enqueue('q', 'n', 5n));
      expect(isSpoolError(topLevel, 'SPOOL_PAYLOAD_NOT_JSON')).toBe(true);
      const inMetadata = await caught(() => spool.enqueue('q', 'n', null, { metadata: { n: 1n } }));
      expect(isSpoolError(inMetadata, 'SPOOL_PAYLOAD_NOT_JSON')).toBe(true);
      expect(inMetadata.message).toMatch(/metadata/);
      expect(await spool.counts()).toEqual({});
    });

    it('a payload over maxPayloadBytes is refused with SPOOL_PAYLOAD_TOO_LARGE and the limit', async () => {
      const spool = await h.open({ maxPayloadBytes: 1_024 });
      const err = await caught(() => spool.enqueue('q', 'n', { blob: 'x'.repeat(2_000) }));
      expect(isSpoolError(err, 'SPOOL_PAYLOAD_TOO_LARGE')).toBe(true);
      expect(err.message).toContain('1024');
      expect(err.message).toMatch(/maxPayloadBytes/);
      // Just under the limit is fine.
      const fits = await spool.enqueue('q', 'n', { blob: 'x'.repeat(900) });
      expect(fits.created).toBe(true);
      expect((await spool.listJobs()).jobs.map((j) => j.id)).toEqual([fits.id]);
    });

    it('a negative delay, a bad duration and out-of-range options are refused, naming the option', async () => {
      const spool = await h.open();
      const cases: [Record<string, unknown>, RegExp][] = [
        [{ delay: -1 }, /delay/],
        [{ delay: 'soon' }, /delay/],
        [{ maxAttempts: 0 }, /maxAttempts/],
        [{ priority: 1.5 }, /priority/],
        [{ timeout: -5 }, /timeout/],
        [{ backoff: { type: 'fixed', base: 1_000, cap: 10 } }, /cap/],
        [{ backoff: { type: 'linear' } }, /backoff/],
        [{ runAt: 'not a date' }, /runAt/],
        [{ idempotencyKey: '' }, /idempotencyKey/],
      ];
      for (const [options, named] of cases) {
        const err = await caught(() => spool.enqueue('q', 'n', null, options));
        expect(isSpoolError(err, 'SPOOL_INVALID_ARGUMENT'), JSON.stringify(options)).toBe(true);
        expect(err.message, JSON.stringify(options)).toMatch(named);
      }
      expect(await spool.counts()).toEqual({});
    });

    it('input accepted once and broken later is refused up front with a typed error (item 6)', async () => {
      const spool = await h.open();
      let deep: unknown = 'bottom';
      for (let i = 0; i < 5_000; i++) deep = [deep];
      const getter = Object.defineProperty({}, 'secret', {
        enumerable: true,
        get() {
          throw new Error('no access');
        },
      });
      const cases: [string, unknown, Record<string, unknown>, string, RegExp][] = [
        [
          "timeout '30d' (past Node's longest timer)",
          null,
          { timeout: '30d' },
          'SPOOL_INVALID_ARGUMENT',
          /timeout must be at most 2147483647 ms/,
        ],
        ['delay of 1e20', null, { delay: 1e20 }, 'SPOOL_INVALID_ARGUMENT', /delay/],
        ['timeout of 1e20', null, { timeout: 1e20 }, 'SPOOL_INVALID_ARGUMENT', /timeout/],
        ['runAt of 1e20', null, { runAt: 1e20 }, 'SPOOL_INVALID_ARGUMENT', /runAt/],
        ['NUL in idempotencyKey', null, { idempotencyKey: 'order\u00001' }, 'SPOOL_INVALID_ARGUMENT', /idempotencyKey/],
        ['NUL in callbackUrl', null, { callbackUrl: 'https://example.com/hook\u0000x' }, 'SPOOL_INVALID_ARGUMENT', /callbackUrl/],
        [
          'lone surrogate in a payload with a key',
          { text: 'a\ud800b' },
          { idempotencyKey: 'k1' },
          'SPOOL_PAYLOAD_NOT_JSON',
          /payload\.text/,
        ],
        ['5,000 nesting levels', { deep }, {}, 'SPOOL_PAYLOAD_NOT_JSON', /nested more than 64/],
        ['5,000 nesting levels in metadata', null, { metadata: { deep } }, 'SPOOL_PAYLOAD_NOT_JSON', /metadata/],
        ['a throwing getter', { user: getter }, {}, 'SPOOL_PAYLOAD_NOT_JSON', /payload\.user\.secret.*getter threw: no access/],
      ];
      for (const [what, payload, options, code, message] of cases) {
        const err = await caught(() => spool.enqueue('q', 'n', payload, options));
        expect(isSpoolError(err, code as never), `${what}: ${err}`).toBe(true);
        expect(err.message, what).toMatch(message);
        const inBatch = await caught(() =>
          spool.enqueueMany([
            { queue: 'q', name: 'ok' },
            { queue: 'q', name: 'n', payload, options },
          ]),
        );
        expect(isSpoolError(inBatch, code as never), `${what} (batch): ${inBatch}`).toBe(true);
      }
      expect(await spool.counts()).toEqual({});
      // Fractions of a millisecond are rounded down, as for every duration: stored, not refused.
      const fractional = await spool.enqueue('q', 'n', null, { runAt: T0 + 1_000.75, delay: undefined, timeout: 1_500.5 });
      expect(await spool.getJob(fractional.id)).toMatchObject({ runAt: T0 + 1_000, timeout: 1_500 });
    });

    it('metadata keys under "spool." are refused: a caller cannot forge a compensation job', async () => {
      const spool = await h.open();
      const err = await caught(() => spool.enqueue('q', 'n', null, { metadata: { 'spool.compensates': '1' } }));
      expect(isSpoolError(err, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(err.message).toContain('reserved');
      expect(await spool.counts()).toEqual({});
      expect((await spool.enqueue('q', 'n', null, { metadata: { compensates: '1' } })).created).toBe(true);
    });

    it('an unknown option key is refused with the key in the message', async () => {
      const spool = await h.open();
      const err = await caught(() => spool.enqueue('q', 'n', null, { delya: 5 } as never));
      expect(isSpoolError(err, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(err.message).toContain('delya');
      const spoolErr = await caught(() => createSpool({ ...h.options(), pollIntervall: 5 } as never));
      expect(isSpoolError(spoolErr, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(spoolErr.message).toContain('pollIntervall');
      const workErr = await caught(() => spool.work('q', () => {}, { concurency: 2 } as never));
      expect(isSpoolError(workErr, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(workErr.message).toContain('concurency');
      expect(await spool.counts()).toEqual({});
    });

    it('an unknown store URL is refused and the message shows the URLs that work', async () => {
      for (const store of ['mysql://root@127.0.0.1/db', 'redis://127.0.0.1:6379', 'spool.txt']) {
        const err = await caught(() => createSpool({ store, logger: silentLogger, shutdownSignals: false }));
        expect(isSpoolError(err), store).toBe(true);
        expect(['SPOOL_UNKNOWN_STORE', 'SPOOL_INVALID_ARGUMENT']).toContain(err.code);
        expect(err.message).toContain(store);
        expect(err.message).toMatch(/sqlite:/);
        expect(err.message).toMatch(/postgres(ql)?:\/\//);
      }
    });

    it('a SQLite file in a folder that does not exist gives SPOOL_STORE_MISCONFIGURED saying what to do', async (ctx) => {
      if (!h.has('file')) ctx.skip();
      const dir = mkdtempSync(join(tmpdir(), 'spool-missing-'));
      rmSync(dir, { recursive: true });
      const path = join(dir, 'nested', 'x.db');
      const err = await caught(() => createSpool({ store: `sqlite:${path}`, logger: silentLogger, shutdownSignals: false }));
      expect(isSpoolError(err, 'SPOOL_STORE_MISCONFIGURED')).toBe(true);
      expect(err.message).toBe(
        `The folder ${join(dir, 'nested')} for the SQLite database "${path}" does not exist. Create it (mkdir -p ${join(dir, 'nested')}), or fix the path in the store URL.`,
      );
    });

    it('a PostgreSQL database or role that does not exist gives SPOOL_STORE_MISCONFIGURED saying how to create it', async (ctx) => {
      if (!h.has('server')) ctx.skip();
      const noDb = new URL(h.url);
      noDb.pathname = '/spool_no_such_db';
      const where = `${noDb.hostname}:${noDb.port || 5432}`;
      const db = await caught(() =>
        createSpool({ store: noDb.toString(), schema: h.schema, logger: silentLogger, shutdownSignals: false }),
      );
      expect(isSpoolError(db, 'SPOOL_STORE_MISCONFIGURED')).toBe(true);
      expect(db.message).toBe(
        `The database "spool_no_such_db" does not exist on the PostgreSQL server at ${where}. Create it (createdb spool_no_such_db, or CREATE DATABASE "spool_no_such_db"), or fix the database name in the store URL.`,
      );
      const noRole = new URL(h.url);
      noRole.username = 'spool_no_such_role';
      const role = await caught(() =>
        createSpool({ store: noRole.toString(), schema: h.schema, logger: silentLogger, shutdownSignals: false }),
      );
      expect(isSpoolError(role, 'SPOOL_STORE_MISCONFIGURED')).toBe(true);
      expect(role.message).toMatch(
        /^The role "spool_no_such_role" does not exist on the PostgreSQL server at .+\. Create it \(CREATE ROLE "spool_no_such_role" LOGIN\), or fix the user in the store URL\.$/,
      );
    });

    it('a PostgreSQL that is down gives SPOOL_STORE_UNAVAILABLE with what to check', async (ctx) => {
      if (!h.has('server')) ctx.skip();
      const started = Date.now();
      const err = await caught(() =>
        createSpool({ store: 'postgres://postgres@127.0.0.1:1/test', schema: h.schema, logger: silentLogger, shutdownSignals: false }),
      );
      expect(isSpoolError(err, 'SPOOL_STORE_UNAVAILABLE')).toBe(true);
      expect(err.message).toMatch(/127\.0\.0\.1/);
      expect(err.message).toMatch(/\b1\b/);
      expect(err.message).toMatch(/check|running|start/i);
      expect(err.message).not.toMatch(/password/i);
      expect(Date.now() - started).toBeLessThan(20_000);
    });

    it('a PostgreSQL URL with a password never shows the password in errors', async (ctx) => {
      if (!h.has('server')) ctx.skip();
      const err = await caught(() =>
        createSpool({
          store: 'postgres://someone:s3cr3t-pw@127.0.0.1:1/test',
          schema: h.schema,
          logger: silentLogger,
          shutdownSignals: false,
        }),
      );
      expect(isSpoolError(err, 'SPOOL_STORE_UNAVAILABLE')).toBe(true);
      expect(err.message).not.toContain('s3cr3t-pw');
    });

    it('an invalid schema name is refused', async () => {
      const err = await caught(() => createSpool({ ...h.options(), schema: 'Robert"; DROP TABLE x; --' }));
      expect(isSpoolError(err, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(err.message).toMatch(/schema/);
    });

    it('a handler result JSON cannot hold fails the job with a readable error instead of storing half of it', async () => {
      const spool = await h.open();
      spool.work('q', () => ({ total: 10n }));
      const { id } = await spool.enqueue('q', 'n', null, { maxAttempts: 3 });
      const err = await caught(() => spool.waitFor(id, { timeout: 5_000 }));
      expect(isSpoolError(err, 'SPOOL_JOB_FAILED')).toBe(true);
      const job = await spool.getJob(id);
      expect(job?.status).toBe('failed');
      expect(job?.result).toBeNull();
      expect(job?.errors.at(-1)?.message).toMatch(/total/);
    });

    it('listJobs refuses a bad cursor, status or limit', async () => {
      const spool = await h.open();
      expect(isSpoolError(await caught(() => spool.listJobs({ cursor: 'garbage' })), 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      const status = await caught(() => spool.listJobs({ status: 'done' as never }));
      expect(isSpoolError(status, 'SPOOL_INVALID_ARGUMENT')).toBe(true);
      expect(status.message).toMatch(/waiting/);
      expect(isSpoolError(await caught(() => spool.listJobs({ limit: 0 })), 'SPOOL_INVALID_ARGUMENT')).toBe(true);
    });

    it('a closed Spool refuses new work with SPOOL_CLOSED', async () => {
      const spool = await h.open();
      await spool.close();
      await spool.close(); // idempotent
      const err = await caught(() => spool.enqueue('q', 'n'));
      expect(isSpoolError(err, 'SPOOL_CLOSED')).toBe(true);
      expect(err.message).toMatch(/createSpool/);
    });
  });
}
