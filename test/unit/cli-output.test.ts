/**
 * What `spool status` and `spool status --watch` print for the people who wait: a retrying job's
 * live line says what the person waiting is told; `status` adds a job's warning, and the
 * developer's message only when the reader may see it.
 */
import { describe, expect, it } from 'vitest';
import { describeJob, watchLine } from '../../src/cli/output.js';
import type { JobView } from '../../src/server/job-view.js';

const base: JobView = {
  id: '5',
  queue: 'billing',
  name: 'charge',
  status: 'waiting',
  payload: {},
  priority: 0,
  attempts: 1,
  maxAttempts: 5,
  timeout: null,
  idempotencyKey: null,
  metadata: {},
  callbackUrl: null,
  progress: null,
  result: null,
  userMessage: "We'll try again in 40 s (attempt 2 of 5).",
  error: null,
  errors: [{ userMessage: "We'll try again in 40 s (attempt 2 of 5).", code: 'HTTP_503', attempt: 1, at: 0 }],
  runAt: 0,
  createdAt: 0,
  updatedAt: 0,
  startedAt: null,
  finishedAt: null,
  workerId: null,
  leaseExpiresAt: null,
  orderingKey: null,
  concurrencyKey: null,
  rateLimitKey: null,
  expiresAt: null,
};

describe('the CLI for the people who wait', () => {
  it("--watch's line for a retrying job says what the person waiting is told", () => {
    expect(watchLine(base)).toBe(
      "job 5 billing/charge  waiting   [........................]   0%  attempt 1/5  We'll try again in 40 s (attempt 2 of 5).",
    );
  });

  it("status shows the user's message, the warning, and the developer's message only when present", () => {
    const read = describeJob({ ...base, warning: 'no worker handles billing/charge; no worker is running on queue billing' });
    expect(read).toContain("  last error HTTP_503 (attempt 1)\n  user sees We'll try again in 40 s (attempt 2 of 5).");
    expect(read).toContain('  warning   no worker handles billing/charge; no worker is running on queue billing');
    const operator = describeJob({
      ...base,
      errors: [{ ...(base.errors[0] as JobView['errors'][0]), message: 'partner API answered 503' }],
    });
    expect(operator).toContain('  last error partner API answered 503 (HTTP_503) (attempt 1)');
  });
});
