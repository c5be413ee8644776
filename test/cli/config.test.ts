/**
 * The config file: found, imported and validated with readable errors; handler modules loaded
 * relative to it; the environment and flags layered on top.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig, parseConfig } from '../../src/config/load-config.js';
import { defineConfig } from '../../src/index.js';
import { hashToken } from '../../src/server/auth.js';
import { root } from './run.js';

const indexPath = JSON.stringify(join(root, 'src', 'index.ts'));

describe('config file', () => {
  let dir: string;

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'spool-config-'));
    writeFileSync(join(dir, 'package.json'), '{ "type": "module" }\n');
  });

  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const write = (name: string, text: string) => writeFileSync(join(dir, name), text);

  it('finds spool.config.ts in the working directory and loads its handler modules relative to it', async () => {
    write('emails.ts', 'export default { "send-welcome": async () => "sent" };\n');
    write(
      'named.ts',
      'export async function resize() { return 1; }\nexport async function crop() { return 2; }\nexport const version = 3;\n',
    );
    write(
      'spool.config.ts',
      `import { defineConfig } from ${indexPath};
export default defineConfig({
  store: 'postgres://app@db.internal/jobs',
  schema: 'jobs',
  queues: {
    emails: { handlers: './emails.ts', concurrency: 10, prefetch: 20, lease: '1m' },
    media: { handlers: './named.ts' },
    inline: { handlers: async () => 'inline' },
  },
  auth: { tokens: [{ name: 'ci', hash: '${hashToken('ci-secret-0000000001')}', scopes: ['enqueue'] }] },
  webhooks: { secret: 'whsec_ZnJvbS10aGUtY29uZmlnLWZpbGUtMDAwMDAwMDE=', allowHosts: ['hooks.internal', '10.0.0.0/8'] },
  server: { port: 9000, bodyLimit: 2048 },
  retention: { completed: '2h' },
});
`,
    );
    const config = await loadConfig({}, { cwd: dir, env: {} });
    expect(config.file).toBe(join(dir, 'spool.config.ts'));
    expect(config.store).toBe('postgres://app@db.internal/jobs');
    expect(config.schema).toBe('jobs');
    expect(config.queues.map((q) => [q.name, q.options])).toEqual([
      ['emails', { concurrency: 10, prefetch: 20, lease: '1m' }],
      ['media', {}],
      ['inline', {}],
    ]);
    expect(Object.keys(config.queues[0]?.handlers as object)).toEqual(['send-welcome']);
    expect(Object.keys(config.queues[1]?.handlers as object).sort()).toEqual(['crop', 'resize']);
    expect(typeof config.queues[2]?.handlers).toBe('function');
    expect(config.tokens).toEqual([{ name: 'ci', hash: hashToken('ci-secret-0000000001'), scopes: ['enqueue'] }]);
    expect(config).toMatchObject({
      webhookSecrets: ['whsec_ZnJvbS10aGUtY29uZmlnLWZpbGUtMDAwMDAwMDE='],
      webhookSignature: 'standard',
      webhookAllowHosts: ['hooks.internal', '10.0.0.0/8'],
    });
    expect(config.server).toEqual({ host: '127.0.0.1', port: 9000, bodyLimit: 2048 });
    expect(config.spoolOptions).toEqual({ retention: { completed: '2h' } });
  });

  it('layers the environment over the file and flags over both', async () => {
    write('spool.config.mjs', "export default { store: 'sqlite:./from-file.db', server: { port: 9000 } };\n");
    const env = {
      SPOOL_STORE: 'sqlite:./from-env.db',
      SPOOL_PORT: '9100',
      SPOOL_TOKENS: 'ops:ops-secret-00000001:admin',
      SPOOL_WEBHOOK_SECRET: 'whsec_bmV3LXdlYmhvb2stc2VjcmV0LTAwMDAwMDAx whsec_b2xkLXdlYmhvb2stc2VjcmV0LTAwMDAwMDAx',
    };
    const fromEnv = await loadConfig({}, { cwd: dir, env });
    expect(fromEnv).toMatchObject({ store: 'sqlite:./from-env.db', server: { port: 9100 } });
    // Several secrets while rotating, newest first.
    expect(fromEnv.webhookSecrets).toEqual(['whsec_bmV3LXdlYmhvb2stc2VjcmV0LTAwMDAwMDAx', 'whsec_b2xkLXdlYmhvb2stc2VjcmV0LTAwMDAwMDAx']);
    expect(fromEnv.tokens).toEqual([{ name: 'ops', hash: hashToken('ops-secret-00000001'), scopes: ['admin'] }]);
    const fromFlags = await loadConfig({ store: 'sqlite::memory:', port: 0, host: '::1' }, { cwd: dir, env });
    expect(fromFlags).toMatchObject({ store: 'sqlite::memory:', server: { port: 0, host: '::1' } });
  });

  it('runs without a file: no queues, the default store and address', async () => {
    const config = await loadConfig({}, { cwd: dir, env: {} });
    expect(config).toMatchObject({
      file: null,
      store: 'sqlite:./spool.db',
      queues: [],
      tokens: [],
      webhookSecrets: [],
      webhookSignature: 'standard',
      webhookAllowHosts: [],
      server: { host: '127.0.0.1', port: 8080 },
    });
  });

  it('reads subscriptions with their handler modules, and names what is wrong with one', async () => {
    write('audit.mjs', 'export default async (event) => ({ seen: event.id });\n');
    write(
      'spool.config.mjs',
      "export default { subscriptions: { audit: { topic: 'orders', handler: './audit.mjs', filter: { names: ['order.placed'] }, from: 'beginning', concurrency: 2 } } };\n",
    );
    const config = await loadConfig({}, { cwd: dir, env: {} });
    expect(config.subscriptions).toEqual([
      {
        name: 'audit',
        topic: 'orders',
        handler: expect.any(Function),
        options: { filter: { names: ['order.placed'] }, from: 'beginning', concurrency: 2 },
      },
    ]);
    expect(() =>
      parseConfig({ subscriptions: { audit: { handler: './a.mjs', filter: { names: [] }, ordred: true } } }, 'spool.config.ts'),
    ).toThrow(
      /subscriptions\.audit\.filter\.names: must have at least 1 item; subscriptions\.audit\.topic: is required \(a string\); unknown field "subscriptions\.audit\.ordred"/,
    );
  });

  it('names every bad field, and unknown ones', () => {
    expect(() =>
      parseConfig(
        {
          queues: { emails: { handlers: './x.ts', concurrency: 'ten', retries: 3 } },
          server: { prot: 80 },
          auth: { tokens: [{ name: 'ci', hash: 'abc', scopes: ['all'] }] },
        },
        'spool.config.ts',
      ),
    ).toThrow(
      /^spool\.config\.ts is invalid: .*queues\.emails\.concurrency: must be a number; got the string "ten".*unknown field "queues\.emails\.retries".*auth\.tokens\[0\]\.hash: must be the SHA-256 hex.*auth\.tokens\[0\]\.scopes\[0\]: must be one of "enqueue", "publish", "read", "metrics", "admin".*unknown field "server\.prot"/,
    );
    expect(() => parseConfig({ queues: { 'bad queue': { handlers: './x.ts' } } }, 'f')).toThrow(/queue names use 1 to 128 letters/);
    expect(() => parseConfig({ queues: { emails: { handlers: './x.ts', prefetch: -1 } } }, 'f')).toThrow(
      /queues\.emails\.prefetch: must be at least 0/,
    );
    expect(() =>
      parseConfig({ schedules: { nightly: { cron: '0 3 * * *', queue: 'reports', name: 'r', missed: 'later', every: 1 } } }, 'f'),
    ).toThrow(/^f is invalid: .*schedules\.nightly\.missed.*unknown field "schedules\.nightly\.every"/);
    expect(
      parseConfig({ schedules: { nightly: { cron: '0 3 * * *', queue: 'reports', name: 'r', missed: { catchUp: 2 } } } }, 'f'),
    ).toMatchObject({
      schedules: { nightly: { cron: '0 3 * * *', missed: { catchUp: 2 } } },
    });
  });

  it('explains a missing file, a missing default export and a missing handler module', async () => {
    await expect(loadConfig({ config: 'nope.config.ts' }, { cwd: dir, env: {} })).rejects.toThrow(
      /The config file nope\.config\.ts does not exist/,
    );
    write('spool.config.ts', 'export const config2 = {};\n');
    await expect(loadConfig({}, { cwd: dir, env: {} })).rejects.toThrow(/has no default export; end it with `export default defineConfig/);
    write('other.config.ts', "export default { queues: { emails: { handlers: './missing.ts' } } };\n");
    await expect(loadConfig({ config: 'other.config.ts' }, { cwd: dir, env: {} })).rejects.toThrow(
      /The handlers of queue "emails" point at \.\/missing\.ts, which does not exist/,
    );
  });

  it('refuses a webhook secret that does not fit the signature scheme, saying how to make one', async () => {
    await expect(loadConfig({}, { cwd: dir, env: { SPOOL_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' } })).rejects.toThrow(
      /SPOOL_WEBHOOK_SECRET is not usable with webhooks\.signature 'standard': .*at least 24 bytes.*spool webhook-secret create/,
    );
    await expect(loadConfig({}, { cwd: dir, env: { SPOOL_WEBHOOK_SECRET: 'a-raw-legacy-secret-0001' } })).rejects.toThrow(
      /"whsec_" followed by base64.*webhooks\.signature: 'spool'/,
    );
    // The legacy header keeps taking a raw secret of 16+ characters.
    write('spool.config.mjs', "export default { webhooks: { secret: 'a-raw-legacy-secret-0001', signature: 'spool' } };\n");
    expect(await loadConfig({}, { cwd: dir, env: {} })).toMatchObject({
      webhookSecrets: ['a-raw-legacy-secret-0001'],
      webhookSignature: 'spool',
    });
    await expect(loadConfig({}, { cwd: dir, env: { SPOOL_WEBHOOK_SECRET: 'short' } })).rejects.toThrow(/at least 16 characters/);
  });

  it('names each bad webhooks.allowHosts entry', () => {
    expect(() => parseConfig({ webhooks: { allowHosts: ['ok.internal', 'https://hooks.example.com/x', '10.0.0.0/99'] } }, 'f')).toThrow(
      /webhooks\.allowHosts\[1\]: .*no scheme, port or path.*webhooks\.allowHosts\[2\]: .*not a valid IP address or CIDR/,
    );
    expect(() => parseConfig({ webhooks: { signature: 'hmac' } }, 'f')).toThrow(/webhooks\.signature/);
  });

  it('defineConfig returns the config unchanged, for types', () => {
    const config = { store: 'sqlite:./x.db' };
    expect(defineConfig(config)).toBe(config);
  });
});
