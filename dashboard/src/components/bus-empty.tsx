/** What the Topics screens say when there is no topic, or nothing subscribes to one. */
import { Empty } from './states.js';

export function NoTopics() {
  return (
    <Empty title="No topics yet">
      A topic appears with its first event or subscription. Publish an event with <code>{`spool publish orders '{"orderId":42}'`}</code> or{' '}
      <code>POST /v1/topics/{'{topic}'}/events</code>, for example:
      <pre className="json">
        {`curl -X POST ${window.location.origin}/v1/topics/orders/events \\
  -H 'authorization: Bearer <token>' -H 'content-type: application/json' \\
  -d '{"name":"order.placed","key":"order-42","payload":{"orderId":42}}'`}
      </pre>
    </Empty>
  );
}

export function NoSubscriptions({ topic }: { topic?: string }) {
  return (
    <Empty title={topic ? `Nothing subscribes to ${topic} yet` : 'No subscriptions yet'}>
      Declare one in code with <code>{`spool.subscribe('${topic ?? 'orders'}', 'billing', handler)`}</code> or under{' '}
      <code>subscriptions</code> in the config file; each event then becomes one delivery job per subscription.
    </Empty>
  );
}
