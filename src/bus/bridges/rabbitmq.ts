/**
 * @module
 * RabbitMQ sessions through `amqplib`: outbound on a confirm channel (persistent messages,
 * `messageId` = the event id, the event's headers carried, each publish resolved by its
 * publisher confirm), inbound as a consumer with a prefetch and manual acks. A session ends when
 * its connection or channel closes; `link.ts` connects again.
 */
import type { ResolvedBridge } from './config.js';
import type { Amqp } from './driver.js';
import type { InboundMessage, InboundSession } from './inbound.js';
import { eventBody, eventHeaders, toPublishItem } from './message.js';
import type { OutboundSession } from './outbound.js';

type ChannelModel = Awaited<ReturnType<Amqp['connect']>>;

async function connect(amqp: Amqp, bridge: ResolvedBridge): Promise<{ connection: ChannelModel; ended: Promise<Error | null> }> {
  const connection = await amqp.connect(bridge.url, {
    timeout: bridge.confirmTimeout,
    clientProperties: { connection_name: `spool bridge ${bridge.name}` },
  });
  const ended = new Promise<Error | null>((resolve) => {
    // 'error' comes before 'close' when the connection fails; both end the session.
    connection.on('error', (err: Error) => resolve(err));
    connection.on('close', (err?: Error) => resolve(err ?? new Error('the connection closed')));
  });
  return { connection, ended };
}

/**
 * Closes the connection once. A close handshake on a connection whose socket just died never
 * completes in amqplib, so after a second the socket is destroyed instead.
 */
function closer(connection: ChannelModel): () => Promise<void> {
  let closing: Promise<void> | null = null;
  return () => {
    closing ??= new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        (connection as unknown as { connection?: { stream?: { destroy(): void } } }).connection?.stream?.destroy();
        resolve();
      }, 1_000);
      timer.unref();
      connection
        .close()
        .catch(() => {})
        .finally(() => {
          clearTimeout(timer);
          resolve();
        });
    });
    return closing;
  };
}

export async function openRabbitOutbound(amqp: Amqp, bridge: ResolvedBridge): Promise<OutboundSession> {
  const { connection, ended: connectionEnded } = await connect(amqp, bridge);
  const close = closer(connection);
  try {
    const channel = await connection.createConfirmChannel();
    const channelEnded = new Promise<Error | null>((resolve) => {
      channel.on('error', (err: Error) => resolve(err));
      channel.on('close', () => resolve(new Error('the channel closed')));
    });
    const exchange = bridge.exchange as string;
    if (bridge.exchangeType) await channel.assertExchange(exchange, bridge.exchangeType, { durable: true });
    else await checkExchange(channel, exchange);
    return {
      ended: Promise.race([connectionEnded, channelEnded]),
      close,
      send(event) {
        return new Promise((resolve, reject) => {
          try {
            channel.publish(
              exchange,
              bridge.routingKey ?? event.name ?? event.topic,
              eventBody(event),
              {
                persistent: true,
                messageId: event.id,
                contentType: 'application/json',
                ...(event.name ? { type: event.name } : {}),
                timestamp: Math.floor(event.publishedAt / 1000),
                headers: eventHeaders(event),
              },
              (err: unknown) =>
                err
                  ? reject(err instanceof Error ? err : new Error(`the broker refused the message (${err})`))
                  : resolve({ duplicate: false }),
            );
          } catch (err) {
            reject(err);
          }
        });
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}

async function checkExchange(channel: { checkExchange(name: string): Promise<unknown> }, exchange: string): Promise<void> {
  try {
    await channel.checkExchange(exchange);
  } catch (err) {
    throw new Error(
      `the exchange "${exchange}" does not exist (${(err as Error).message}); declare it, or set exchangeType so the bridge declares it`,
      { cause: err },
    );
  }
}

export async function openRabbitInbound(
  amqp: Amqp,
  bridge: ResolvedBridge,
  deliver: (message: InboundMessage) => void,
): Promise<InboundSession> {
  const { connection, ended: connectionEnded } = await connect(amqp, bridge);
  const close = closer(connection);
  try {
    const channel = await connection.createChannel();
    let cancelled: (err: Error) => void = () => {};
    const channelEnded = new Promise<Error | null>((resolve) => {
      cancelled = resolve;
      channel.on('error', (err: Error) => resolve(err));
      channel.on('close', () => resolve(new Error('the channel closed')));
    });
    const queue = bridge.queue as string;
    try {
      await channel.checkQueue(queue);
    } catch (err) {
      throw new Error(`the queue "${queue}" does not exist (${(err as Error).message}); declare it and bind it first`, { cause: err });
    }
    await channel.prefetch(bridge.prefetch);
    const { consumerTag } = await channel.consume(
      queue,
      (message) => {
        if (message === null) {
          cancelled(new Error(`the broker cancelled the consumer (was the queue "${queue}" deleted?)`));
          return;
        }
        const { properties, fields } = message;
        deliver({
          item: toPublishItem(bridge.topic, {
            id: typeof properties.messageId === 'string' ? properties.messageId : undefined,
            type: typeof properties.type === 'string' ? properties.type : undefined,
            headers: (properties.headers ?? {}) as Record<string, unknown>,
            body: message.content,
            source: `amqp:${fields.exchange}:${fields.routingKey}`,
          }),
          ack: () => channel.ack(message),
          requeue: (delayMs) => {
            setTimeout(() => {
              try {
                channel.nack(message, false, true);
              } catch {
                // the channel closed meanwhile: the broker redelivers the message anyway
              }
            }, delayMs).unref();
          },
          reject: () => channel.nack(message, false, false),
        });
      },
      { noAck: false },
    );
    return {
      ended: Promise.race([connectionEnded, channelEnded]),
      close,
      async stopConsuming() {
        await channel.cancel(consumerTag).catch(() => {});
      },
    };
  } catch (err) {
    await close();
    throw err;
  }
}
