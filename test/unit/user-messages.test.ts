/** What the person waiting on a job is told, by what happened to it (pure: no store). */
import { describe, expect, it } from 'vitest';
import { attemptUserMessage, inWords, jobUserMessage, userMessages } from '../../src/core/user-messages.js';

describe('user messages', () => {
  it("prefers the handler's own, then says what happened", () => {
    const facts = { own: undefined, code: undefined, final: false, retryInMs: 40_000, attempt: 1, maxAttempts: 5 };
    expect(attemptUserMessage({ ...facts, own: 'Your card was declined.' })).toBe('Your card was declined.');
    expect(attemptUserMessage(facts)).toBe("We'll try again in 40 s (attempt 2 of 5).");
    expect(attemptUserMessage({ ...facts, code: 'SPOOL_TIMEOUT' })).toBe(userMessages.slow);
    expect(attemptUserMessage({ ...facts, final: true, retryInMs: null })).toBe(userMessages.failed);
    expect([500, 40_000, 5 * 60_000, 2 * 3_600_000].map(inWords)).toEqual(['in a moment', 'in 40 s', 'in 5 min', 'in 2 h']);
  });

  it('says it for a job: failed, retrying, expired, or nothing', () => {
    const error = { message: 'x', userMessage: 'Try later.', attempt: 1, at: 0 };
    expect(jobUserMessage({ status: 'failed', errors: [error], finishedAt: 1 })).toBe('Try later.');
    expect(jobUserMessage({ status: 'failed', errors: [{ message: 'x', attempt: 1, at: 0 }], finishedAt: 1 })).toBe(userMessages.failed);
    expect(jobUserMessage({ status: 'waiting', errors: [error], finishedAt: null })).toBe('Try later.');
    expect(jobUserMessage({ status: 'expired', errors: [], finishedAt: 1 })).toBe(userMessages.expired);
    expect(jobUserMessage({ status: 'waiting', errors: [], finishedAt: null })).toBeNull();
    expect(jobUserMessage({ status: 'cancelled', errors: [], finishedAt: 1 })).toBeNull();
  });
});
