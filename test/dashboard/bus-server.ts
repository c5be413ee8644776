/**
 * @module
 * A real Spool server on SQLite for the Topics browser tests, with two subscriptions to `orders`:
 * `billing` runs a handler that completes at once unless the test holds it (then its deliveries
 * wait in its backlog until released), and `archive` takes only `order.placed` and has no
 * handler anywhere, so its deliveries stay waiting.
 */
import { type Gate, gate } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, sqliteStore, startTestService } from '../server/helpers.js';

export interface BusServer {
  service: TestService;
  /** From now on billing's handler waits until `release()`. */
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

export { secrets };

export async function startBusServer(): Promise<BusServer> {
  const store: TestStore = sqliteStore();
  let held: Gate | null = null;
  const service = await startTestService({
    store,
    subscriptions: [
      {
        name: 'billing',
        topic: 'orders',
        options: { concurrency: 4 },
        async handler(event: { payload: unknown }) {
          if (held) await held.promise;
          return { billed: event.payload };
        },
      },
    ],
  });
  await service.spool.declareSubscription('orders', 'archive', { filter: { names: ['order.placed'] } });
  return {
    service,
    hold() {
      held ??= gate();
    },
    release() {
      held?.open();
      held = null;
    },
    async close() {
      held?.open();
      await service.close();
      await store.cleanup();
    },
  };
}

/** Publishes through the HTTP API with a publish-only token, as a producer would; returns the event's seq and id. */
export async function publishOverHttp(
  service: TestService,
  topic: string,
  body: Record<string, unknown>,
): Promise<{ seq: string; id: string }> {
  const response = await service.api(`/v1/topics/${topic}/events`, {
    method: 'POST',
    token: secrets.publish,
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  if (response.status !== 202) throw new Error(`publish answered ${response.status}: ${await response.text()}`);
  const { seq, id } = (await response.json()) as { seq: string; id: string };
  return { seq, id };
}
