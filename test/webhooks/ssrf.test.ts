/**
 * The SSRF guard end to end: a real webhook worker delivering to callback URLs that point back
 * at this machine in every spelling an attacker would try. A receiver listens on all loopback
 * addresses (IPv4 and IPv6), so anything that slips through is seen. Made-up host names resolve
 * through a lookup injected with the `lookup` option, standing in for a DNS server the attacker
 * owns; `localhost` goes through the system resolver.
 */
import { type LookupAddress, lookup as systemLookup } from 'node:dns';
import { type Server, createServer } from 'node:http';
import type { LookupFunction } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type Job, type Spool, createSpool, silentLogger } from '../../src/index.js';
import { type WebhookOptions, startWebhookWorker } from '../../src/webhooks/deliver.js';
import type { Worker } from '../../src/worker/worker.js';
import { eventually } from '../helpers/eventually.js';
import { type TestStore, sqliteStore, testWebhookSecret } from '../server/helpers.js';

/** Names an attacker controls, and what their DNS answers. */
const dns: Record<string, string[]> = {
  'receiver.test': ['127.0.0.1'],
  'metadata.test': ['169.254.169.254'],
  'rebind.test': ['93.184.215.14', '127.0.0.1'],
  'redirector.test': ['127.0.0.1'],
};

/** The names above from the table; any other (localhost) from the system resolver. */
const fakeLookup: LookupFunction = (hostname, options, callback) => {
  const found = dns[hostname];
  if (!found) return (systemLookup as LookupFunction)(hostname, options, callback);
  const addresses: LookupAddress[] = found.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  if (options.all) return (callback as unknown as (err: null, all: LookupAddress[]) => void)(null, addresses);
  callback(null, addresses[0]?.address ?? '', addresses[0]?.family ?? 4);
};

describe('webhook SSRF guard', () => {
  let store: TestStore;
  let spool: Spool;
  let worker: Worker | null = null;
  let receiver: Server;
  let port: number;
  let hits: string[];

  beforeAll(async () => {
    store = sqliteStore();
    spool = await createSpool({ store: store.url, pollInterval: 50, logger: silentLogger, shutdownSignals: false });
    receiver = createServer((req, res) => {
      hits.push(req.url ?? '');
      if (req.url === '/redirect') {
        res.writeHead(302, { location: `http://127.0.0.1:${port}/internal-target` }).end();
        return;
      }
      res.writeHead(200).end();
    });
    // '::' takes IPv4 and IPv6 connections alike: 127.0.0.1, ::1 and ::ffff:127.0.0.1 all land here.
    await new Promise<void>((resolve) => receiver.listen(0, '::', resolve));
    port = (receiver.address() as { port: number }).port;
  });

  afterEach(async () => {
    await worker?.close();
    worker = null;
  });

  afterAll(async () => {
    await spool.close();
    await new Promise((resolve) => receiver.close(resolve));
    await store.cleanup();
  });

  function start(options: Partial<WebhookOptions> = {}): void {
    hits = [];
    worker = startWebhookWorker(spool, { secret: testWebhookSecret, lookup: fakeLookup, ...options });
  }

  /** Enqueues a job with this callback and cancels it, which schedules its delivery; resolves with the finished delivery job. */
  async function deliverTo(callbackUrl: string): Promise<Job> {
    const { id } = await spool.enqueue('idle', 'never-runs', {}, { callbackUrl });
    await spool.cancel(id);
    return eventually(async () => {
      const { jobs } = await spool.listJobs({ queue: 'spool.webhooks' });
      const delivery = jobs.find((j) => (j.payload as { jobId: string }).jobId === id);
      expect(['completed', 'failed']).toContain(delivery?.status);
      return delivery as Job;
    }, 10_000);
  }

  const url = (host: string, path = '/hook') => `http://${host}:${port}${path}`;

  it.each([
    ['127.0.0.1', () => url('127.0.0.1'), /127\.0\.0\.1 is loopback \(127\.0\.0\.0\/8\)/],
    ['localhost', () => url('localhost'), /localhost resolves to (127\.0\.0\.1|::1), loopback/],
    ['0.0.0.0', () => url('0.0.0.0'), /0\.0\.0\.0 is unspecified/],
    ['0x7f000001 (hex)', () => url('0x7f000001'), /127\.0\.0\.1 is loopback/],
    ['2130706433 (decimal)', () => url('2130706433'), /127\.0\.0\.1 is loopback/],
    ['017700000001 (octal)', () => url('017700000001'), /127\.0\.0\.1 is loopback/],
    ['127.1 (short form)', () => url('127.1'), /127\.0\.0\.1 is loopback/],
    ['169.254.169.254 (cloud metadata)', () => 'http://169.254.169.254/latest/meta-data/', /169\.254\.169\.254 is link-local/],
    ['[::1]', () => url('[::1]'), /::1 is loopback/],
    ['[::ffff:127.0.0.1] (IPv4-mapped)', () => url('[::ffff:127.0.0.1]'), /::ffff:7f00:1 is loopback \(127/],
    ['a name that resolves to 127.0.0.1', () => url('receiver.test'), /receiver\.test resolves to 127\.0\.0\.1, loopback/],
    ['a name that resolves to the metadata address', () => url('metadata.test'), /metadata\.test resolves to 169\.254\.169\.254/],
    ['a name with a public and a loopback address', () => url('rebind.test'), /rebind\.test resolves to 127\.0\.0\.1, loopback/],
    ['https to a loopback address', () => `https://127.0.0.1:${port}/hook`, /127\.0\.0\.1 is loopback/],
    ['https to a name that resolves to 127.0.0.1', () => `https://receiver.test:${port}/hook`, /receiver\.test resolves to 127\.0\.0\.1/],
  ])('refuses %s, with a generic message and the reason kept in the stack', async (_what, callbackUrl, reason) => {
    start();
    const delivery = await deliverTo(callbackUrl());
    expect(hits).toEqual([]);
    expect(delivery).toMatchObject({ status: 'failed', attempts: 1 });
    const [error] = delivery.errors;
    expect(error?.message).toBe(
      `Did not deliver to ${callbackUrl()}: it leads to an address webhooks may not reach by default (loopback, private, link-local or another special-purpose range). If it is an internal receiver you trust, add its host to webhooks.allowHosts. Not retried.`,
    );
    expect(error?.stack).toMatch(reason);
  });

  it('refuses credentials in the URL, even to an allowed host, at enqueue', async () => {
    start({ allowHosts: ['receiver.test'] });
    await expect(deliverTo(`http://user:secret@receiver.test:${port}/hook`)).rejects.toMatchObject({
      code: 'SPOOL_INVALID_ARGUMENT',
      message: expect.stringMatching(/callbackUrl: must not contain credentials \(user:password@host\)/),
    });
    expect(hits).toEqual([]);
  });

  it('does not follow a redirect, even from an allowed host to a loopback address', async () => {
    start({ allowHosts: ['redirector.test'] });
    const delivery = await deliverTo(url('redirector.test', '/redirect'));
    expect(hits).toEqual(['/redirect']);
    expect(delivery.status).toBe('failed');
    expect(delivery.errors[0]?.message).toMatch(/answered 302 Found \(a redirect, not followed\)/);
  });

  it.each([
    ['an allowed address', ['127.0.0.1'], () => url('127.0.0.1')],
    ['an allowed range, in any spelling', ['127.0.0.0/8'], () => url('0x7f000001')],
    ['an allowed IPv6 address', ['::1'], () => url('[::1]')],
    ['an allowed host name, whatever it resolves to', ['receiver.test'], () => url('receiver.test')],
    ['an allowed address, reached through a name', ['127.0.0.1'], () => url('receiver.test')],
    ['an allowed address, reached through localhost', ['127.0.0.1', '::1'], () => url('localhost')],
  ])('lets the local receiver through at %s', async (_what, allowHosts, callbackUrl) => {
    start({ allowHosts });
    const delivery = await deliverTo(callbackUrl());
    expect(delivery).toMatchObject({ status: 'completed', result: { delivered: true, status: 200 } });
    expect(hits).toEqual(['/hook']);
  });

  it('refuses a bad allow-list entry when the worker starts', () => {
    expect(() => startWebhookWorker(spool, { secret: testWebhookSecret, allowHosts: ['http://hooks.internal/'] })).toThrow(
      /webhooks\.allowHosts is invalid: "http:\/\/hooks\.internal\/"/,
    );
  });
});
