/**
 * @module
 * The broker clients load only when a bridge needs them: Spool without bridges installs nothing
 * broker-related (`amqplib` and `nats` are optional peer dependencies). A missing one is named
 * with the command that installs it.
 */
import { SpoolError } from '../../core/errors.js';

export type Amqp = typeof import('amqplib');
export type Nats = typeof import('nats');

const packages = { rabbitmq: 'amqplib', nats: 'nats' } as const;

/** Imports a broker client with `importer`; a missing package becomes SPOOL_MISSING_PACKAGE naming it. */
export async function loadBrokerClient<T>(kind: keyof typeof packages, bridge: string, importer: () => Promise<unknown>): Promise<T> {
  const name = packages[kind];
  let module: unknown;
  try {
    module = await importer();
  } catch (err) {
    const code = (err as { code?: unknown }).code;
    if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
      throw new SpoolError(
        'SPOOL_MISSING_PACKAGE',
        `The bridge "${bridge}" needs the package "${name}", which is not installed. Install it beside spool: npm install ${name}`,
        { cause: err },
      );
    }
    throw err;
  }
  // Both are CommonJS: Node exposes their exports as named exports and as `default`.
  const m = module as { default?: unknown };
  return (m.default ?? m) as T;
}

export function loadAmqp(bridge: string): Promise<Amqp> {
  return loadBrokerClient('rabbitmq', bridge, () => import('amqplib'));
}

export function loadNats(bridge: string): Promise<Nats> {
  return loadBrokerClient('nats', bridge, () => import('nats'));
}
