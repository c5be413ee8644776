/**
 * Item 6 over HTTP, on both stores: input that used to be accepted and break later (a 500 on
 * PostgreSQL, a timer overflow, a stack overflow) is answered 400 with a problem naming the field,
 * and nothing is stored. The library's side is in the conformance suite (validation.ts).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestService, type TestStore, secrets, startTestService, storeKinds } from './helpers.js';

const kinds = await storeKinds();

const nested = (levels: number) => `${'['.repeat(levels)}0${']'.repeat(levels)}`;

/** Bodies as raw JSON text, so the escapes reach the server exactly as an attacker would send them. */
const cases: [string, string, RegExp][] = [
  ["timeout '30d'", '{"name":"n","timeout":"30d"}', /timeout/],
  ['delay of 1e20', '{"name":"n","delay":1e20}', /delay/],
  ['timeout of 1e20', '{"name":"n","timeout":1e20}', /timeout/],
  ['runAt of 1e20', '{"name":"n","runAt":1e20}', /runAt/],
  ['NUL in idempotencyKey', '{"name":"n","idempotencyKey":"a\\u0000b"}', /idempotencyKey/],
  ['NUL in callbackUrl', '{"name":"n","callbackUrl":"https://example.com/\\u0000"}', /callbackUrl/],
  ['lone surrogate in a payload with an idempotency key', '{"name":"n","payload":{"t":"\\ud800"},"idempotencyKey":"k"}', /payload/],
  ['5,000 nesting levels in the payload', `{"name":"n","payload":${nested(5_000)}}`, /nested/],
  ['5,000 nesting levels in metadata', `{"name":"n","metadata":{"m":${nested(5_000)}}}`, /metadata/],
  ['NUL in the job name', '{"name":"a\\u0000b"}', /name/],
  ['a negative delay', '{"name":"n","delay":-1}', /delay/],
  ['a priority of 1e300', '{"name":"n","priority":1e300}', /priority/],
];

describe.each(kinds)('bad input over HTTP on $kind (item 6)', ({ make }) => {
  let store: TestStore;
  let s: TestService;

  beforeAll(async () => {
    store = await make();
    s = await startTestService({ store });
  });

  afterAll(async () => {
    await s?.close();
    await store?.cleanup();
  });

  it.each(cases)('%s → 400 with a problem naming the field, nothing stored', async (_what, body, field) => {
    const res = await s.api('/v1/queues/q/jobs', {
      method: 'POST',
      token: secrets.enqueue,
      body,
      headers: { 'content-type': 'application/json' },
    });
    const problem = (await res.json()) as { code: string; detail: string };
    expect(res.status, JSON.stringify(problem)).toBe(400);
    expect(res.headers.get('content-type')).toMatch(/application\/problem\+json/);
    expect(['SPOOL_INVALID_ARGUMENT', 'SPOOL_PAYLOAD_NOT_JSON']).toContain(problem.code);
    expect(problem.detail).toMatch(field);
    expect(await s.spool.counts('q')).toEqual({});
  });

  it('a fractional runAt is rounded down to the millisecond and stored (202)', async () => {
    const runAt = Date.UTC(2031, 0, 1) + 0.5;
    const res = await s.api('/v1/queues/fraction/jobs', {
      method: 'POST',
      token: secrets.enqueue,
      body: JSON.stringify({ name: 'n', runAt }),
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(202);
    const { id } = (await res.json()) as { id: string };
    expect((await s.spool.getJob(id))?.runAt).toBe(Math.floor(runAt));
  });
});
