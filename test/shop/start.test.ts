/**
 * `npm start` as a newcomer runs it, as a real process: one process serves the storefront at
 * `/shop/`, the dashboard at `/` and the v1 API, takes an order through to confirmed, honours the
 * chaos switches (`--provider down`), and stops cleanly on Ctrl-C.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { cleanEnv, root } from '../cli/run.js';
import { ensureDashboardBuilt } from '../dashboard/build.js';
import { eventually } from '../helpers/eventually.js';
import { freePort } from '../server/helpers.js';

describe('npm start', () => {
  let child: ChildProcess | null = null;
  const dir = mkdtempSync(join(tmpdir(), 'spool-start-'));

  afterEach(() => {
    // npm and the node process it starts share a process group, as in a terminal.
    try {
      if (child?.pid) process.kill(-child.pid, 'SIGKILL');
    } catch {
      // Already gone.
    }
    rmSync(dir, { recursive: true, force: true });
  });

  it('serves the shop, the dashboard and the API in one process; --provider down holds the order until the provider is up', {
    timeout: 120_000,
  }, async () => {
    ensureDashboardBuilt();
    const port = await freePort();
    let output = '';
    child = spawn('npm', ['start', '--', '--provider', 'down'], {
      cwd: root,
      env: cleanEnv({ SPOOL_STORE: `sqlite:${join(dir, 'spool.db')}`, SPOOL_PORT: String(port) }),
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    child.stdout?.setEncoding('utf8').on('data', (c: string) => {
      output += c;
    });
    child.stderr?.setEncoding('utf8').on('data', (c: string) => {
      output += c;
    });
    const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) =>
      child?.on('exit', (code, signal) => resolve({ code, signal })),
    );
    const url = `http://127.0.0.1:${port}`;
    await eventually(() => output.includes(`Shop       ${url}/shop/`), 60_000, 100);
    expect(output).toContain(`Dashboard  ${url}/`);

    const shopPage = await fetch(`${url}/shop/`);
    expect(shopPage.status).toBe(200);
    expect(await shopPage.text()).toContain('<title>Spool Shop</title>');
    const dashboard = await fetch(`${url}/`);
    expect(dashboard.status).toBe(200);
    expect(await dashboard.text()).toContain('<div id="root">');
    expect((await fetch(`${url}/v1/queues/shop.orders`)).status).toBe(200);

    const placed = await fetch(`${url}/shop/orders`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        cartId: 'cart-npm-start',
        email: 'ada@example.com',
        card: '4242424242424242',
        lines: [{ sku: 'mug', quantity: 1 }],
      }),
    });
    expect(placed.status).toBe(202);
    const { status } = (await placed.json()) as { status: string };
    await eventually(async () => ((await (await fetch(`${url}${status}`)).json()) as { state: string }).state === 'retrying', 20_000, 100);
    const state = (await (await fetch(`${url}/shop/api/state`)).json()) as { provider: { mode: string; charges: number } };
    expect(state.provider).toMatchObject({ mode: 'down', charges: 0 });

    await fetch(`${url}/shop/api/chaos`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"provider":"up"}' });
    await eventually(async () => ((await (await fetch(`${url}${status}`)).json()) as { state: string }).state === 'confirmed', 40_000, 200);

    // Ctrl-C in a terminal: SIGINT to the whole process group.
    const group = -(child.pid as number);
    process.kill(group, 'SIGINT');
    // npm dies of the signal itself; the shop closes gracefully and the whole group is gone.
    expect([
      { code: 0, signal: null },
      { code: null, signal: 'SIGINT' },
    ]).toContainEqual(await exited);
    await eventually(
      () => {
        try {
          process.kill(group, 0);
          return false;
        } catch {
          return true;
        }
      },
      15_000,
      100,
    );
    expect(output).not.toMatch(/Error|at .*\.ts:\d+/);
  });
});
