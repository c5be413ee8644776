/**
 * One job (the page is keyed by id, so a new id starts fresh), kept current: its event stream
 * while it runs (fetch-based SSE with the bearer header), and a slow poll besides, which also
 * covers a stream that cannot be opened and brings the `warning` and the queue `position` the stream does not carry.
 */
import { useEffect, useState } from 'react';
import type { Api } from '../api/client.js';
import { followJob } from '../api/job-events.js';
import type { JobView } from '../api/types.js';
import { finalStatuses } from '../api/types.js';
import { usePoll } from './use-poll.js';

export function useJob(api: Api, id: string) {
  const polled = usePoll((signal) => api.get<JobView>(`/v1/jobs/${id}`, signal), 3_000, `job-${id}`);
  const [live, setLive] = useState<JobView | null>(null);
  const running = polled.data !== null && !finalStatuses.includes(polled.data.status);

  useEffect(() => {
    if (!running) return;
    return followJob(api, id, { onJob: setLive, onError: () => {} });
  }, [api, id, running]);

  // Whichever is newer: a stream event or the last poll (after an action, the poll).
  const newest = live && polled.data && live.updatedAt >= polled.data.updatedAt ? live : (polled.data ?? live);
  // The warning of a job nobody handles comes with the poll only; it holds while the job waits.
  const warning = newest?.status === 'waiting' ? polled.data?.warning : undefined;
  // So does a waiting job's position in its queue.
  const position = newest?.status === 'waiting' ? polled.data?.position : undefined;
  const job = newest && (warning || position) ? { ...newest, ...(warning ? { warning } : {}), ...(position ? { position } : {}) } : newest;
  return { ...polled, data: job };
}
