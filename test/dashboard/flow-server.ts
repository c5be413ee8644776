/**
 * @module
 * A real Spool server on SQLite for the flow-control browser tests, with a `shop` queue worked
 * in this process: `ship` holds each job until the test releases it (so jobs stay running, per
 * concurrency key, inside their rate window), and `charge` fails with a network error while the
 * test says the payment partner is down, which is what a circuit breaker counts.
 */
import { type Gate, gate } from '../helpers/eventually.js';
import { type TestService, type TestStore, secrets, sqliteStore, startTestService } from '../server/helpers.js';

export interface FlowServer {
  service: TestService;
  /** From now on `charge` fails with ECONNREFUSED. */
  partnerDown(): void;
  /** Lets every `ship` job held so far finish. */
  releaseShipping(): void;
  close(): Promise<void>;
}

export { secrets };

export async function startFlowServer(): Promise<FlowServer> {
  const store: TestStore = sqliteStore();
  let shipping: Gate = gate();
  let down = false;
  const service = await startTestService({
    store,
    backlogSampleInterval: 500,
    queues: [
      {
        name: 'shop',
        options: { concurrency: 8 },
        handlers: {
          async ship() {
            await shipping.promise;
            return { shipped: true };
          },
          async charge(payload: unknown) {
            if (down) {
              const order = (payload as { order: number }).order;
              throw Object.assign(new Error(`connect ECONNREFUSED 10.0.0.7:443: the payment partner is down (order ${order})`), {
                code: 'ECONNREFUSED',
              });
            }
            return { charged: true };
          },
        },
      },
    ],
  });
  return {
    service,
    partnerDown() {
      down = true;
    },
    releaseShipping() {
      const held = shipping;
      shipping = gate();
      held.open();
    },
    async close() {
      shipping.open();
      await service.close();
      await store.cleanup();
    },
  };
}

/** Sends a JSON request with the admin token and fails on anything but a 2xx. */
export async function adminCall(service: TestService, method: string, path: string, body?: unknown): Promise<unknown> {
  const response = await service.api(path, {
    method,
    token: secrets.admin,
    ...(body === undefined ? {} : { body: JSON.stringify(body), headers: { 'content-type': 'application/json' } }),
  });
  if (!response.ok) throw new Error(`${method} ${path} answered ${response.status}: ${await response.text()}`);
  return response.status === 204 ? null : response.json();
}
