/**
 * Webhook signatures. The Standard Webhooks cases are the test vectors of the spec's reference
 * libraries (standard-webhooks/standard-webhooks: libraries/javascript/src/webhook.test.ts,
 * libraries/python/tests/test_webhooks.py, libraries/go/webhook_test.go), so a receiver using any
 * of those libraries accepts what Spool sends. The legacy Spool-Signature cases follow.
 */
import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signWebhook, verifyWebhook } from '../../src/index.js';

// The reference libraries' fixtures.
const vectorSecret = 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
const vectorId = 'msg_p5jXN8AQM9LWM0D4loKWxJek';
const vectorPayload = '{"test": 2432232314}';
const vectorTimestamp = 1614265330;
const vectorSignature = 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=';
const wrongSignature = 'v1,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=';

/** What the reference test helpers compute: base64 HMAC-SHA256 with the base64-decoded secret. */
function referenceHeaders(secret: string, timestamp: number): Record<string, string> {
  const signature = createHmac('sha256', Buffer.from(secret, 'base64'))
    .update(`${vectorId}.${timestamp}.${vectorPayload}`)
    .digest('base64');
  return { 'webhook-id': vectorId, 'webhook-signature': `v1,${signature}`, 'webhook-timestamp': String(timestamp) };
}

describe('Standard Webhooks: the reference test vectors', () => {
  const now = { now: vectorTimestamp };

  it('signs exactly as the reference libraries ("sign function works")', () => {
    const headers = signWebhook(`whsec_${vectorSecret}`, { id: vectorId, timestamp: vectorTimestamp, body: vectorPayload });
    expect(headers).toEqual({ 'webhook-id': vectorId, 'webhook-timestamp': String(vectorTimestamp), 'webhook-signature': vectorSignature });
    expect(signWebhook(vectorSecret, { id: vectorId, timestamp: vectorTimestamp, body: Buffer.from(vectorPayload) })).toEqual(headers);
  });

  it('verifies the reference signature, with and without the whsec_ prefix, from a plain object or a Headers', () => {
    const headers = { 'webhook-id': vectorId, 'webhook-timestamp': String(vectorTimestamp), 'webhook-signature': vectorSignature };
    expect(verifyWebhook(vectorSecret, headers, vectorPayload, now)).toEqual({ ok: true, id: vectorId, timestamp: vectorTimestamp });
    expect(verifyWebhook(`whsec_${vectorSecret}`, headers, vectorPayload, now).ok).toBe(true);
    expect(verifyWebhook(vectorSecret, new Headers(headers), Buffer.from(vectorPayload), now).ok).toBe(true);
    // Header names in any case ("unbranded" headers in the reference tests).
    const shouted = { 'Webhook-Id': vectorId, 'WEBHOOK-TIMESTAMP': String(vectorTimestamp), 'Webhook-Signature': vectorSignature };
    expect(verifyWebhook(vectorSecret, shouted, vectorPayload, now).ok).toBe(true);
  });

  it('accepts secrets that need no, one or two padding characters, written without their padding', () => {
    for (const [secret, padded] of [
      ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw'],
      ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaS='],
      ['MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr', 'MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwBr=='],
    ] as const) {
      const headers = referenceHeaders(padded, vectorTimestamp);
      expect(verifyWebhook(secret, headers, vectorPayload, now).ok).toBe(true);
      expect(verifyWebhook(`whsec_${secret}`, headers, vectorPayload, now).ok).toBe(true);
    }
  });

  it('accepts a list holding one valid v1 signature among others ("valid multi sig is valid")', () => {
    const headers = {
      'webhook-id': vectorId,
      'webhook-timestamp': String(vectorTimestamp),
      'webhook-signature': [wrongSignature, 'v2,Ceo5qEr07ixe2NLpvHk3FH9bwy/WavXrAFQ/9tdO6mc=', vectorSignature, wrongSignature].join(' '),
    };
    expect(verifyWebhook(vectorSecret, headers, vectorPayload, now).ok).toBe(true);
  });

  it('refuses a missing id, timestamp or signature, a bad timestamp, a wrong, partial or changed signature, saying why', () => {
    const good = { 'webhook-id': vectorId, 'webhook-timestamp': String(vectorTimestamp), 'webhook-signature': vectorSignature };
    const check = (headers: Record<string, string>, body = vectorPayload) => verifyWebhook(vectorSecret, headers, body, now);
    const { 'webhook-id': _id, ...noId } = good;
    const { 'webhook-timestamp': _ts, ...noTimestamp } = good;
    const { 'webhook-signature': _sig, ...noSignature } = good;
    expect(check(noId)).toEqual({ ok: false, reason: 'the webhook-id header is missing' });
    expect(check(noTimestamp)).toEqual({ ok: false, reason: 'the webhook-timestamp header is missing' });
    expect(check(noSignature)).toEqual({ ok: false, reason: 'the webhook-signature header is missing' });
    expect(check({ ...good, 'webhook-timestamp': 'hello' })).toMatchObject({ ok: false, reason: expect.stringMatching(/unix time/) });
    expect(check({ ...good, 'webhook-signature': wrongSignature })).toMatchObject({ ok: false, reason: expect.stringMatching(/no v1/) });
    expect(check({ ...good, 'webhook-signature': 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA=' }).ok).toBe(false);
    expect(check({ ...good, 'webhook-signature': vectorSignature.slice(0, 8) }).ok).toBe(false);
    expect(check({ ...good, 'webhook-signature': 'v1,' }).ok).toBe(false);
    expect(check({ ...good, 'webhook-signature': vectorSignature.replace('v1,', 'v2,') }).ok).toBe(false);
    expect(check({ ...good, 'webhook-id': 'msg_another' }).ok).toBe(false);
    expect(check(good, '{"test": 2432232315}').ok).toBe(false);
    expect(verifyWebhook('whsec_', good, vectorPayload, now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/no usable secret/),
    });
    expect(verifyWebhook('', good, vectorPayload, now).ok).toBe(false);
  });

  it('refuses timestamps outside the tolerance, old or new ("old/new timestamp fails")', () => {
    const headers = referenceHeaders(vectorSecret, vectorTimestamp);
    expect(verifyWebhook(vectorSecret, headers, vectorPayload, { now: vectorTimestamp + 300 }).ok).toBe(true);
    expect(verifyWebhook(vectorSecret, headers, vectorPayload, { now: vectorTimestamp + 301 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tolerance 300 s/),
    });
    expect(verifyWebhook(vectorSecret, headers, vectorPayload, { now: vectorTimestamp - 301 }).ok).toBe(false);
    expect(verifyWebhook(vectorSecret, headers, vectorPayload, { now: vectorTimestamp + 500, toleranceSeconds: 600 }).ok).toBe(true);
  });
});

describe('Standard Webhooks: rotation and secrets', () => {
  const current = 'whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD';
  const previous = 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw';
  const body = '{"type":"job.completed","id":"27"}';

  it('signs with every secret while rotating, and a receiver holding either one verifies', () => {
    const headers = signWebhook([current, previous], { id: '42', timestamp: 1_700_000_000, body });
    expect(headers['webhook-signature'].split(' ')).toHaveLength(2);
    for (const secret of [current, previous]) expect(verifyWebhook(secret, headers, body, { now: 1_700_000_000 }).ok).toBe(true);
    expect(
      verifyWebhook([previous, current], signWebhook(current, { id: '42', timestamp: 1_700_000_000, body }), body, { now: 1_700_000_000 })
        .ok,
    ).toBe(true);
    expect(verifyWebhook('whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA', headers, body, { now: 1_700_000_000 }).ok).toBe(false);
  });

  it('refuses to sign with a secret that is not base64 or is too short, saying how to make one', () => {
    expect(() => signWebhook('whsec-not-base64!', { id: '1', body })).toThrow(/whsec_.*base64.*openssl rand -base64 32/);
    expect(() => signWebhook('whsec_c2hvcnQ=', { id: '1', body })).toThrow(/at least 24 bytes; this one has 5/);
    expect(() => signWebhook(current, { id: 'a.b', body })).toThrow(/may not contain "\."/);
  });
});

describe('legacy Spool-Signature', () => {
  const secret = 'legacy-raw-secret-0123456789';
  const body = '{"id":"1","status":"completed"}';

  it('verifies what it signs, within the tolerance, from the header value or the headers object', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    expect(header).toMatch(/^t=1700000000,v1=[0-9a-f]{64}$/);
    expect(verifyWebhook(secret, header, body, { now: 1_700_000_100 })).toEqual({ ok: true, timestamp: 1_700_000_000 });
    expect(verifyWebhook(secret, header, Buffer.from(body), { now: 1_700_000_100 }).ok).toBe(true);
    expect(verifyWebhook(secret, { 'Spool-Signature': header }, body, { now: 1_700_000_100, scheme: 'spool' }).ok).toBe(true);
  });

  it('refuses a changed body, a wrong secret, an old timestamp and a malformed header, saying why', () => {
    const header = signWebhook(secret, body, 1_700_000_000);
    const now = { now: 1_700_000_000 };
    expect(verifyWebhook(secret, header, body.replace('completed', 'failed'), now)).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/does not match/),
    });
    expect(verifyWebhook('another-secret-0000000', header, body, now).ok).toBe(false);
    expect(verifyWebhook(secret, header, body, { now: 1_700_000_301 })).toMatchObject({
      ok: false,
      reason: expect.stringMatching(/tolerance 300 s/),
    });
    expect(verifyWebhook(secret, 'v1=abc', body, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/malformed/) });
    expect(verifyWebhook(secret, undefined, body, now)).toMatchObject({ ok: false, reason: expect.stringMatching(/missing/) });
  });

  it('accepts any of several v1 signatures, for secret rotation', () => {
    const header = signWebhook([secret, 'old-secret-000000000000'], body, 1_700_000_000);
    expect(verifyWebhook('old-secret-000000000000', header, body, { now: 1_700_000_000 }).ok).toBe(true);
    expect(verifyWebhook(secret, header, body, { now: 1_700_000_000 }).ok).toBe(true);
  });
});
