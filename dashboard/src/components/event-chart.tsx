/** Events per minute over the last hour: stacked bars, one colour per topic. */
import type { EventRatePoint } from '../api/types.js';
import { eventSeries } from '../lib/topic-series.js';
import type { Polled } from '../lib/use-poll.js';
import { ErrorNotice, Loading } from './states.js';
import { TimeChart } from './time-chart.js';

const hourMs = 3_600_000;
const minuteMs = 60_000;

export function EventChart({
  topics,
  colors,
  rate,
  title = 'Events per minute',
}: {
  topics: string[];
  colors: Map<string, string>;
  rate: Polled<{ points: EventRatePoint[]; at: number }>;
  title?: string;
}) {
  if (rate.loading && !rate.data) return <Loading what="the chart" />;
  if (!rate.data) return <ErrorNotice error={rate.error ?? new Error('No data.')} onRetry={rate.reload} />;
  const to = rate.data.at;
  const from = to - hourMs;
  const series = eventSeries(rate.data.points, { from, to, bucketMs: minuteMs, topics });
  return (
    <div className="charts charts-one">
      <TimeChart
        title={title}
        kind="bars"
        bucketMs={minuteMs}
        unit="events per minute"
        from={from}
        to={to}
        lines={series.map((s) => ({ ...s, color: colors.get(s.label) ?? '#2563eb' }))}
        emptyText="No event published in the last hour."
        legend="total"
      />
    </div>
  );
}
