/**
 * `npx tsx examples/workflows.ts`: every workflow feature in one script, on an SQLite file of its
 * own (`./spool-workflows.db`, removed first): durable steps, a sleep, a wait for an event, a
 * fan-out to children and the fan-in, a saga that undoes completed steps when a later one fails,
 * and a versioned change. Each section prints what happened; `docs/workflows.md` explains it.
 */
import { rmSync } from 'node:fs';
import { NonRetryableError, createSpool } from '../src/index.js';

const file = './spool-workflows.db';
for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
const spool = await createSpool({ store: `sqlite:${file}`, pollInterval: 50, logger: { debug() {}, info() {}, warn() {}, error() {} } });

// Steps, sleep and waitForEvent: the order is charged once, waits for its payment, then cools off.
let charges = 0;
spool.work('orders', async (order: { id: number }, ctx) => {
  const charge = await ctx.step('charge', () => ({ chargeId: `ch-${order.id}`, n: ++charges }));
  const payment = await ctx.waitForEvent<{ amount: number }>('payment', { topic: 'payments', match: { orderId: order.id }, timeout: '1h' });
  await ctx.sleep('cool-off', '100ms'); // the worker runs other jobs meanwhile
  return { ...charge, paid: payment?.payload.amount ?? null };
});

// Fan-out and fan-in: one child per image, then every result in order.
spool.work('media', async (image: { src: string }) => ({ thumb: `${image.src}.thumb.png` }));
spool.work('albums', async (album: { images: string[] }, ctx) => {
  const children = await ctx.spawnMany(album.images.map((src) => ({ queue: 'media', name: 'resize', payload: { src } })));
  const results = await ctx.all<{ thumb: string }>(children);
  return results.map((r) => r.result?.thumb);
});

// A saga: the seat is released and the card refunded, in that order, when ticketing fails.
const undone: string[] = [];
spool.work('trips', async (_trip: unknown, ctx) => {
  await ctx.step('reserve-seat', () => ({ seat: '12A' }), { compensate: (r) => void undone.push(`release seat ${r.seat}`) });
  await ctx.step('charge-card', () => ({ charge: 'ch-9' }), { compensate: (r) => void undone.push(`refund ${r.charge}`) });
  await ctx.step('issue-ticket', () => {
    throw new NonRetryableError('the airline refused the booking');
  });
});

// Versioning: new runs take the new branch.
spool.work('signups', async (user: { email: string }, ctx) => {
  const version = await ctx.version('add-fraud-check', 2);
  if (version >= 2) await ctx.step('fraud-check', () => ({ ok: !user.email.endsWith('@spam.test') }));
  await ctx.step('welcome', () => `welcome mail to ${user.email}`);
  return { version };
});

const order = await spool.enqueue('orders', 'place', { id: 42 });
await spool.publish('payments', { orderId: 42, amount: 990 }); // before the wait began: still found
console.log('order:', JSON.stringify(await order.wait({ timeout: 20_000 })));
console.log('order steps:', (await spool.steps(order.id))?.map((s) => `${s.name}=${s.status}`).join(' '));

const album = await spool.enqueue('albums', 'thumbnails', { images: ['a', 'b', 'c'] });
console.log('album:', JSON.stringify(await album.wait({ timeout: 20_000 })));

const trip = await spool.enqueue('trips', 'book', null, { maxAttempts: 1 });
await trip.wait({ timeout: 20_000 }).catch((err: Error) => console.log('trip failed:', err.message.split(': ').slice(1).join(': ')));
console.log('undone:', undone.join(', '));

const signup = await spool.enqueue('signups', 'new', { email: 'ada@example.com' });
console.log('signup:', JSON.stringify(await signup.wait({ timeout: 20_000 })));

await spool.close();
