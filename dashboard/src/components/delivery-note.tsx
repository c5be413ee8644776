/** On a delivery job's page: which event it delivers, on which topic, to which subscription. */
import type { JobView } from '../api/types.js';
import { deliveryOf, eventLink } from '../lib/deliveries.js';
import { Link } from './link.js';

export function DeliveryNote({ job }: { job: JobView }) {
  const delivery = deliveryOf(job);
  if (!delivery) return null;
  const { event, subscription } = delivery;
  const topic = `/topics/${encodeURIComponent(event.topic)}`;
  return (
    <p className="delivery-note" data-testid="delivery-note">
      Delivery of event{' '}
      <Link to={eventLink(event.topic, event.seq)}>
        <code>{event.id}</code> (seq {event.seq})
      </Link>{' '}
      on topic <Link to={topic}>{event.topic}</Link> to subscription <Link to={topic}>{subscription}</Link>.
    </p>
  );
}
