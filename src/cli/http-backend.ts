/**
 * @module
 * The client commands over the HTTP API, with a bearer token. Problems (RFC 9457) become
 * CliErrors carrying the server's `detail` and an exit code.
 */
import type { BridgeStatus } from '../bus/bridges/status.js';
import type { JobView } from '../server/job-view.js';
import type { EventRecord, ScheduleRecord, TopicInfo, WorkerRecord } from '../store/contract.js';
import type { ScheduleOptions } from '../client/schedules.js';
import type { GroupStatus } from '../client/groups.js';
import type { QueueLimits } from '../client/flow.js';
import type {
  Backend,
  BreakerRow,
  EnqueueInput,
  ListInput,
  PublishInput,
  QueueRow,
  QueueStateRow,
  ReplayStart,
  SubscriptionRow,
  StepView,
  LogLineView,
} from './backend.js';
import { finalStatuses } from './backend.js';
import { CliError, exitCodes } from './exit-codes.js';
import { parseSse } from './sse-client.js';

export class HttpBackend implements Backend {
  readonly target: string;

  constructor(
    baseUrl: string,
    private readonly token: string | undefined,
  ) {
    if (!/^https?:\/\/[^\s]+$/i.test(baseUrl) || !URL.canParse(baseUrl)) {
      throw new CliError(`The server URL ${JSON.stringify(baseUrl)} is not an http:// or https:// URL.`, exitCodes.usage);
    }
    this.target = baseUrl.replace(/\/+$/, '');
  }

  private headers(extra: Record<string, string> = {}): Record<string, string> {
    return { accept: 'application/json', ...(this.token ? { authorization: `Bearer ${this.token}` } : {}), ...extra };
  }

  private async request<T>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<T> {
    const response = await this.fetch(path, {
      method,
      headers: this.headers(body === undefined ? headers : { 'content-type': 'application/json', ...headers }),
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    if (!response.ok) throw await problemError(response);
    if (response.status === 204) return undefined as T;
    return (await response.json()) as T;
  }

  private async fetch(path: string, init: RequestInit): Promise<Response> {
    try {
      return await fetch(`${this.target}${path}`, init);
    } catch (err) {
      if ((err as Error).name === 'AbortError') throw err;
      const cause = (err as { cause?: { code?: string; message?: string } }).cause;
      throw new CliError(
        `Cannot reach the Spool server at ${this.target} (${cause?.code ?? cause?.message ?? (err as Error).message}). Is \`spool serve\` running there? Pass --url or set SPOOL_URL.`,
        exitCodes.unreachable,
        { cause: err },
      );
    }
  }

  async enqueue({ queue, name, payload, options }: EnqueueInput) {
    const { idempotencyKey, ...rest } = options;
    return this.request<{ id: string; status: JobView['status']; created: boolean; job: JobView }>(
      'POST',
      `/v1/queues/${encodeURIComponent(queue)}/jobs`,
      { name, ...(payload === undefined ? {} : { payload }), ...rest },
      typeof idempotencyKey === 'string' ? { 'idempotency-key': idempotencyKey } : {},
    );
  }

  getJob(id: string): Promise<JobView> {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  cancel(id: string): Promise<JobView> {
    return this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/cancel`);
  }

  retry(id: string): Promise<JobView> {
    return this.request('POST', `/v1/jobs/${encodeURIComponent(id)}/retry`);
  }

  listJobs({ queue, ...filters }: ListInput) {
    const query = new URLSearchParams();
    for (const [key, value] of Object.entries(filters)) if (value !== undefined) query.set(key, String(value));
    const qs = query.size > 0 ? `?${query}` : '';
    return this.request<{ jobs: JobView[]; nextCursor: string | null }>(
      'GET',
      queue ? `/v1/queues/${encodeURIComponent(queue)}/jobs${qs}` : `/v1/jobs${qs}`,
    );
  }

  async queues(): Promise<QueueRow[]> {
    return (await this.request<{ queues: QueueRow[] }>('GET', '/v1/queues')).queues;
  }

  async workers(queue?: string): Promise<WorkerRecord[]> {
    const qs = queue ? `?queue=${encodeURIComponent(queue)}` : '';
    return (await this.request<{ workers: WorkerRecord[] }>('GET', `/v1/workers${qs}`)).workers;
  }

  async steps(id: string): Promise<StepView[]> {
    return (await this.request<{ steps: StepView[] }>('GET', `/v1/jobs/${encodeURIComponent(id)}/steps`)).steps;
  }

  jobLogs(id: string, after: number, limit: number): Promise<{ lines: LogLineView[]; next: number }> {
    return this.request('GET', `/v1/jobs/${encodeURIComponent(id)}/logs?after=${after}&limit=${limit}`);
  }

  async deleteJob(id: string): Promise<void> {
    await this.request('DELETE', `/v1/jobs/${encodeURIComponent(id)}`);
  }

  publish({ topic, payload, options }: PublishInput) {
    return this.request<{ id: string; seq: string; created: boolean; deliveries: number }>(
      'POST',
      `/v1/topics/${encodeURIComponent(topic)}/events`,
      { ...(payload === undefined ? {} : { payload }), ...options },
    );
  }

  async topics(): Promise<TopicInfo[]> {
    return (await this.request<{ topics: TopicInfo[] }>('GET', '/v1/topics')).topics;
  }

  events(topic: string, page: { after?: string; limit?: number }) {
    const query = new URLSearchParams();
    if (page.after !== undefined) query.set('after', page.after);
    if (page.limit !== undefined) query.set('limit', String(page.limit));
    return this.request<{ events: EventRecord[]; next: string | null }>(
      'GET',
      `/v1/topics/${encodeURIComponent(topic)}/events${query.size > 0 ? `?${query}` : ''}`,
    );
  }

  async subscriptions(): Promise<SubscriptionRow[]> {
    return (await this.request<{ subscriptions: SubscriptionRow[] }>('GET', '/v1/subscriptions')).subscriptions;
  }

  async replay(subscription: string, from: ReplayStart): Promise<number> {
    const body = await this.request<{ deliveries: number }>('POST', `/v1/subscriptions/${encodeURIComponent(subscription)}/replay`, {
      from,
    });
    return body.deliveries;
  }

  queueState(queue: string): Promise<QueueStateRow> {
    return this.request('GET', `/v1/queues/${encodeURIComponent(queue)}`);
  }

  pause(queue: string, refuse: boolean): Promise<unknown> {
    return this.request('POST', `/v1/queues/${encodeURIComponent(queue)}/pause`, refuse ? { refuse } : undefined);
  }

  resume(queue: string): Promise<unknown> {
    return this.request('POST', `/v1/queues/${encodeURIComponent(queue)}/resume`);
  }

  setLimits(queue: string, limits: QueueLimits): Promise<unknown> {
    return this.request('PUT', `/v1/queues/${encodeURIComponent(queue)}/limits`, limits);
  }

  async breakers(): Promise<BreakerRow[]> {
    return (await this.request<{ breakers: BreakerRow[] }>('GET', '/v1/breakers')).breakers;
  }

  group(id: string): Promise<GroupStatus> {
    return this.request('GET', `/v1/groups/${encodeURIComponent(id)}`);
  }

  async schedules(): Promise<ScheduleRecord[]> {
    return (await this.request<{ schedules: ScheduleRecord[] }>('GET', '/v1/schedules')).schedules;
  }

  setSchedule(name: string, cron: string, options: ScheduleOptions): Promise<ScheduleRecord> {
    return this.request('PUT', `/v1/schedules/${encodeURIComponent(name)}`, { cron, ...options });
  }

  async deleteSchedule(name: string): Promise<void> {
    await this.request('DELETE', `/v1/schedules/${encodeURIComponent(name)}`);
  }

  async bridges(): Promise<BridgeStatus[]> {
    return (await this.request<{ bridges: BridgeStatus[] }>('GET', '/v1/bridges')).bridges;
  }

  /** Follows the job's event stream, reconnecting with Last-Event-ID when it drops. */
  async watch(id: string, onChange: (job: JobView) => void, signal: AbortSignal): Promise<JobView> {
    let lastEventId: string | null = null;
    let last: JobView | null = null;
    let retryMs = 1_000;
    let failures = 0;
    for (;;) {
      if (signal.aborted) throw signal.reason;
      let response: Response | null = null;
      try {
        response = await this.fetch(`/v1/jobs/${encodeURIComponent(id)}/events`, {
          headers: this.headers({ accept: 'text/event-stream', ...(lastEventId ? { 'last-event-id': lastEventId } : {}) }),
          signal,
        });
      } catch (err) {
        if (signal.aborted || !(err instanceof CliError) || ++failures > 10) throw err;
      }
      if (response) {
        if (response.status === 204) return last ?? (await this.getJob(id));
        if (!response.ok) throw await problemError(response);
        failures = 0;
        try {
          for await (const message of parseSse(response.body as ReadableStream<Uint8Array>, (ms) => {
            retryMs = ms;
          })) {
            if (message.event !== 'status' && message.event !== 'progress') continue;
            last = JSON.parse(message.data) as JobView;
            lastEventId = message.id;
            onChange(last);
            if (finalStatuses.includes(last.status)) {
              await response.body?.cancel().catch(() => {});
              return last;
            }
          }
        } catch (err) {
          if (signal.aborted) throw signal.reason;
          void err; // the connection dropped: reconnect below
        }
      }
      await new Promise((resolve) => setTimeout(resolve, retryMs));
    }
  }

  async close(): Promise<void> {}
}

async function problemError(response: Response): Promise<CliError> {
  let detail = `${response.status} ${response.statusText}`;
  try {
    const body = (await response.json()) as { detail?: string };
    if (body.detail) detail = body.detail;
  } catch {
    // not a problem document
  }
  const code =
    response.status === 400 || response.status === 415 || response.status === 413
      ? exitCodes.usage
      : response.status === 503
        ? exitCodes.unreachable
        : exitCodes.failed;
  return new CliError(detail, code);
}
