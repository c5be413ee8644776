/**
 * @module
 * One run of a workflow: the `ctx.step`, `ctx.sleep`, `ctx.waitForEvent`, `ctx.spawn`, `ctx.all`
 * and `ctx.version` a handler calls. Stored steps are read once, on the first call; each call then
 * either returns what is stored (a resumed or retried run) or does the work and stores it under
 * the job's lease. A call that must wait throws WorkflowSuspended, which the worker records as a
 * suspension: the job waits without a slot or a lease and a later run picks up from here.
 *
 * Every call takes the next place in the run's order (versions excepted), and a stored step found
 * at another place, or another step at its place, means the code changed under an in-flight run:
 * the run fails naming both, rather than replay wrong results.
 */
import { toMs } from '../core/duration.js';
import { InvalidArgumentError, JobError, NonRetryableError, SpoolError, coerceError } from '../core/errors.js';
import { assertName } from '../core/names.js';
import type { AttemptSpan } from '../core/telemetry.js';
import type { BackoffPolicy, ClaimedJob, NewJob } from '../core/types.js';
import { toJson } from '../core/validate.js';
import {
  type AllOptions,
  type ChildRef,
  type ChildResult,
  type ReceivedEvent,
  type SpawnItem,
  type StepOptions,
  type WaitForEventOptions,
  type WorkflowMethods,
  WorkflowSuspended,
} from '../core/workflow.js';
import { backoffDelay } from '../policies/backoff.js';
import type { StepKind, StepRecord, StepWrite, StepWritten, StepsPart, TopicsPart } from '../store/contract.js';
import type { Outcome } from '../worker/outcome.js';
import { afterEarlierWaits, firstMatch } from './match.js';
import { type Compensation, ReplayEnded, sagaStep, settleSaga } from './saga.js';

export interface WorkflowDeps {
  steps: StepsPart;
  topics: TopicsPart | undefined;
  /** Resolves a child's enqueue (the queue's defaults, validation) the way `spool.enqueue` would. */
  childJob(item: SpawnItem, parent: ClaimedJob): NewJob;
  maxPayloadBytes: number;
}

/** Between a step's own attempts when its policy names no backoff. */
const stepBackoff: BackoffPolicy = { type: 'exponential', base: 1_000, cap: 300_000 };
/** How long a wait on children lasts before the run looks again anyway (a safety net; wake-ups come from the children). */
const childrenRecheckMs = 3_600_000;
const defaultEventTimeoutMs = 7 * 86_400_000;
const final = new Set(['completed', 'failed', 'cancelled', 'expired']);
/** The step that records the workflow version a run began under. */
const versionStep = '$workflow';

export class WorkflowRun implements WorkflowMethods {
  private stored: Map<string, StepRecord> | null = null;
  private readonly bySeq = new Map<number, StepRecord>();
  private next = 0;
  private readonly used = new Set<string>();
  private inside: string | null = null;
  /** The job whose steps these are: itself, or the cancelled workflow a compensation job serves. */
  private readonly owner: string;
  private readonly compensationJob: boolean;
  /** True once the saga has begun: the handler runs only as far as its stored steps, to learn its compensations. */
  private replaying = false;
  private readonly compensations: Compensation[] = [];

  /** True once this run's workflow version is stored (or there is none to store). */
  private versionRecorded: boolean;

  constructor(
    private readonly job: ClaimedJob,
    private readonly deps: WorkflowDeps,
    private readonly workflowVersion: number | null = null,
    private readonly span: AttemptSpan | null = null,
  ) {
    this.versionRecorded = workflowVersion === null;
    const compensates = job.metadata?.['spool.compensates'];
    this.owner = typeof compensates === 'string' ? compensates : job.id;
    this.compensationJob = this.owner !== job.id;
  }

  /** The outcome to record: `outcome`, or after compensations when the run failed for good or its saga has begun. */
  async settle(outcome: Outcome): Promise<Outcome> {
    if (!this.stored && !this.compensationJob) return outcome;
    return settleSaga(
      {
        job: this.job,
        owner: this.owner,
        now: this.now,
        stored: () => this.load(),
        write: (step) => this.write(step),
        compensations: this.compensations,
        compensationJob: this.compensationJob,
      },
      outcome,
    );
  }

  async step<R>(name: string, fn: () => R | Promise<R>, options: StepOptions<Awaited<R>> = {}): Promise<Awaited<R>> {
    if (typeof fn !== 'function') throw new InvalidArgumentError(`ctx.step("${name}") needs a function to run as its second argument.`);
    const { seq, own } = await this.begin(name, 'step');
    if (own?.status === 'completed') {
      if (options.compensate) this.compensations.push({ step: name, result: own.result, fn: options.compensate });
      return own.result as Awaited<R>;
    }
    if (this.replaying) throw new ReplayEnded();
    if (own?.status === 'retrying' && own.until !== null && this.now < own.until) {
      throw new WorkflowSuspended(own.until - this.now, 'time', `step "${name}" retries at ${iso(own.until)}`);
    }
    const attempts = (own?.attempts ?? 0) + 1;
    const started = performance.now();
    const traced = this.span?.step?.(name, attempts);
    let value: Awaited<R>;
    this.inside = name;
    try {
      value = await (traced ? traced.run(async () => fn()) : fn());
    } catch (thrown) {
      this.inside = null;
      traced?.end(options.retry && attempts < options.retry.maxAttempts ? 'retrying' : 'failed', thrown);
      return this.stepFailed(name, seq, attempts, thrown, options, performance.now() - started);
    }
    this.inside = null;
    traced?.end('completed');
    const result = toJson(value, `result of step "${name}" of job ${this.job.id}`, this.deps.maxPayloadBytes, 'sanitize');
    const detail = options.compensate ? '{"compensate":true}' : null;
    await this.write({
      ...this.blank(name, seq, 'step'),
      status: 'completed',
      result,
      attempts,
      detail,
      durationMs: performance.now() - started,
    });
    const stored = JSON.parse(result) as Awaited<R>;
    if (options.compensate) this.compensations.push({ step: name, result: stored, fn: options.compensate });
    return stored;
  }

  async sleep(name: string, duration: Parameters<WorkflowMethods['sleep']>[1]): Promise<void> {
    const ms = toMs(duration, `ctx.sleep("${name}")'s duration`);
    const { seq, own } = await this.begin(name, 'sleep');
    if (own?.status === 'completed') return;
    if (this.replaying) throw new ReplayEnded();
    if (own?.until !== undefined && own.until !== null) {
      if (this.now >= own.until) {
        await this.write({ ...this.blank(name, seq, 'sleep'), status: 'completed', attempts: 1, durationMs: this.now - own.startedAt });
        this.note('spool.sleep.ended', name, { 'spool.sleep.until': iso(own.until) });
        return;
      }
      throw new WorkflowSuspended(own.until - this.now, 'time', `sleep "${name}" until ${iso(own.until)}`);
    }
    if (ms === 0) {
      await this.write({ ...this.blank(name, seq, 'sleep'), status: 'completed', attempts: 1 });
      return;
    }
    const written = await this.write({ ...this.blank(name, seq, 'sleep'), status: 'sleeping', untilInMs: ms });
    this.note('spool.sleep.started', name, { 'spool.sleep.until': iso(written.until ?? written.at + ms) });
    throw new WorkflowSuspended(ms, 'time', `sleep "${name}" until ${iso(written.until ?? written.at + ms)}`);
  }

  async waitForEvent<P = unknown>(name: string, options: WaitForEventOptions): Promise<ReceivedEvent<P> | null> {
    const topics = this.deps.topics;
    if (!topics) throw new InvalidArgumentError('ctx.waitForEvent needs a store with the event bus ("topics" part).');
    if (!options || typeof options !== 'object') {
      throw new InvalidArgumentError(`ctx.waitForEvent("${name}") needs options: { topic, match?, timeout? }.`);
    }
    const topic = assertName(options.topic, 'topic');
    const match = options.match ?? {};
    if (typeof match !== 'object' || match === null || Array.isArray(match)) {
      throw new InvalidArgumentError(`ctx.waitForEvent("${name}")'s match must be an object of payload fields, such as { orderId: 42 }.`);
    }
    const timeoutMs =
      options.timeout === undefined ? defaultEventTimeoutMs : toMs(options.timeout, `ctx.waitForEvent("${name}")'s timeout`);
    const { seq, own } = await this.begin(name, 'event');
    if (own?.status === 'completed') return own.result as ReceivedEvent<P> | null;
    if (this.replaying) throw new ReplayEnded();
    const base = { ...this.blank(name, seq, 'event'), detail: JSON.stringify({ topic, match, name: options.name ?? null }) };
    let until = own?.until ?? null;
    let now = this.now;
    if (!own) {
      // Recorded before the log is read: an event published from now on wakes the job.
      const written = await this.write({ ...base, status: 'waiting', untilInMs: timeoutMs, waitTopic: topic });
      until = written.until;
      now = written.at;
    }
    const found = await firstMatch(
      topics,
      topic,
      match,
      options.name ?? null,
      this.job.createdAt,
      afterEarlierWaits(this.bySeq.values(), topic, seq),
    );
    if (found) {
      const { seq: _position, ...received } = found;
      const event: ReceivedEvent<P> = { ...received, payload: found.payload as P };
      const detail = JSON.stringify({ topic, match, name: options.name ?? null, seq: found.seq });
      await this.write({ ...base, status: 'completed', result: JSON.stringify(event), attempts: 1, detail });
      this.note('spool.wait.received', name, { 'messaging.destination.name': topic, 'spool.event.id': event.id });
      return event;
    }
    if (until === null || now >= until) {
      await this.write({ ...base, status: 'completed', result: 'null', attempts: 1 });
      this.note('spool.wait.timed_out', name, { 'messaging.destination.name': topic });
      return null;
    }
    this.note('spool.wait.waiting', name, { 'messaging.destination.name': topic });
    throw new WorkflowSuspended(until - now, 'time', `waiting for an event on "${topic}" until ${iso(until)}`);
  }

  spawn(queue: string, name: string, payload?: unknown): Promise<ChildRef> {
    return this.spawnMany([{ queue, name, payload }]).then((refs) => refs[0] as ChildRef);
  }

  async spawnMany(items: readonly SpawnItem[]): Promise<ChildRef[]> {
    if (!Array.isArray(items) || items.length === 0)
      throw new InvalidArgumentError('ctx.spawnMany needs a non-empty array of { queue, name, payload }.');
    const { seq, own } = await this.begin(`spawn-${this.next + 1}`, 'children');
    const name = `spawn-${seq + 1}`;
    if (own) return refsOf(own.detail);
    if (this.replaying) throw new ReplayEnded();
    const jobs = items.map((item) => this.deps.childJob(item, this.job));
    const refs = jobs.map((job) => [job.queue, job.name]);
    const step: StepWrite = { ...this.blank(name, seq, 'children'), status: 'completed', attempts: 1, detail: JSON.stringify({ refs }) };
    const spawned = await this.deps.steps.spawn(this.job, step, jobs);
    if (!spawned) throw this.leaseLost(name);
    return spawned.ids.map((id, i) => ({ id, queue: jobs[i]?.queue as string, name: jobs[i]?.name as string }));
  }

  async all<R = unknown>(children: readonly ChildRef[], options: AllOptions = {}): Promise<ChildResult<R>[]> {
    if (!Array.isArray(children))
      throw new InvalidArgumentError('ctx.all needs the array of children that ctx.spawn or ctx.spawnMany returned.');
    const failFast = options.failFast ?? true;
    const { seq, own } = await this.begin(`all-${this.next + 1}`, 'children');
    const name = `all-${seq + 1}`;
    if (own?.status === 'completed') return own.result as ChildResult<R>[];
    if (this.replaying) throw new ReplayEnded();
    const states = await this.deps.steps.children(children.map((child) => String(child.id)));
    const base = { ...this.blank(name, seq, 'children'), detail: JSON.stringify({ children: children.map((c) => c.id), failFast }) };
    const failed = states.find((state) => final.has(state.status) && state.status !== 'completed');
    if (failFast && failed) {
      const message = `Child job ${failed.id} ended ${failed.status}${failed.error ? `: ${failed.error}` : ''}. ctx.all fails fast; pass { failFast: false } to collect every child's result.`;
      await this.write({ ...base, status: 'failed', attempts: (own?.attempts ?? 0) + 1, error: { message, code: 'SPOOL_CHILD_FAILED' } });
      throw new JobError(message, { retryable: false, code: 'SPOOL_CHILD_FAILED' });
    }
    if (states.every((state) => final.has(state.status))) {
      const results = states.map((state) => ({
        id: state.id,
        status: state.status as ChildResult['status'],
        result: (state.result ?? null) as R | null,
        error: state.status === 'completed' ? null : state.error,
      }));
      await this.write({
        ...base,
        status: 'completed',
        attempts: 1,
        result: toJson(results, 'children results', this.deps.maxPayloadBytes),
      });
      return results;
    }
    if (own?.status !== 'waiting') await this.write({ ...base, status: 'waiting', untilInMs: childrenRecheckMs });
    const pending = states.filter((state) => !final.has(state.status)).length;
    throw new WorkflowSuspended(childrenRecheckMs, failFast ? 'children-fail-fast' : 'children', `waiting for ${pending} child job(s)`);
  }

  async version(change: string, latest: number): Promise<number> {
    if (!Number.isInteger(latest) || latest < 1)
      throw new InvalidArgumentError(`ctx.version("${change}", latest): latest must be an integer of 1 or more; got ${latest}.`);
    const key = `version:${assertName(change, 'job name')}`;
    const stored = await this.load();
    const own = stored.get(key);
    if (own) return Number(own.result);
    if (this.replaying) return latest;
    // A run that already went past this point ran code without the change: it keeps the old branch.
    const passed = [...this.bySeq.keys()].some((seq) => seq >= this.next);
    const chosen = passed ? 1 : latest;
    await this.write({ ...this.blank(key, null, 'version'), status: 'completed', result: String(chosen), attempts: 1 });
    return chosen;
  }

  private note(event: string, step: string, attributes: Record<string, string>): void {
    this.span?.note?.(event, { 'spool.step.name': step, ...attributes });
  }

  /** The store's time at this run's claim: the run's "now" for deciding whether a wait is over. */
  private get now(): number {
    return this.job.startedAt ?? this.job.updatedAt;
  }

  private async load(): Promise<Map<string, StepRecord>> {
    if (!this.stored) {
      const rows = await this.deps.steps.list(this.owner);
      this.stored = new Map(rows.map((row) => [row.name, row]));
      const saga = this.stored.get(sagaStep);
      this.replaying = this.compensationJob || saga?.status === 'waiting';
      for (const row of rows) if (row.seq !== null) this.bySeq.set(row.seq, row);
    }
    return this.stored;
  }

  /** Takes the next place in the run's order for `name`, checking it against what the run stored before. */
  private async begin(name: string, kind: StepKind): Promise<{ seq: number; own: StepRecord | undefined }> {
    if (typeof name !== 'string' || name.trim() === '' || name.length > 200) {
      throw new InvalidArgumentError(`A workflow step needs a name of 1 to 200 characters; got ${JSON.stringify(name)}.`);
    }
    if (this.inside !== null) {
      throw new NonRetryableError(
        `"${name}" was called inside step "${this.inside}" of job ${this.job.id}: steps, sleeps and waits cannot nest. Call it after the step returns.`,
      );
    }
    if (this.used.has(name)) {
      throw new NonRetryableError(
        `Step name "${name}" is used twice in one run of job ${this.job.id} (${this.job.queue}/${this.job.name}): each ctx.step, ctx.sleep and ctx.waitForEvent needs a name of its own in a run; add a suffix such as "${name}-2".`,
      );
    }
    this.used.add(name);
    const stored = await this.load();
    const seq = this.next++;
    const atPlace = this.bySeq.get(seq);
    const own = stored.get(name);
    if ((atPlace && atPlace.name !== name) || (own && own.seq !== seq) || (own && own.kind !== kind)) {
      const was = atPlace ? `"${atPlace.name}" (${atPlace.kind})` : 'nothing';
      const began = stored.get(versionStep)?.result;
      const versions =
        began !== undefined && this.workflowVersion !== null && Number(began) !== this.workflowVersion
          ? ` The run began under workflow version ${began}; this worker runs version ${this.workflowVersion}.`
          : '';
      throw new JobError(
        `Workflow run of job ${this.job.id} (${this.job.queue}/${this.job.name}) no longer matches its code: step ${seq + 1} was ${was} when the run began, and the code now calls "${name}" (${kind}) there. Steps were renamed or reordered under an in-flight run; branch new code with ctx.version() so runs in flight keep their steps.${versions}`,
        { retryable: false, code: 'SPOOL_WORKFLOW_MISMATCH' },
      );
    }
    return { seq, own };
  }

  private blank(name: string, seq: number | null, kind: StepKind): StepWrite {
    return { name, seq, kind, status: 'completed', result: null, error: null, attempts: 0, durationMs: 0, untilInMs: null, detail: null };
  }

  private async write(step: StepWrite): Promise<StepWritten> {
    if (!this.versionRecorded && !this.compensationJob) {
      this.versionRecorded = true;
      if (!this.stored?.has(versionStep)) {
        const marker = { ...this.blank(versionStep, null, 'version'), result: String(this.workflowVersion), attempts: 1 };
        if (!(await this.deps.steps.record(this.job, marker))) throw this.leaseLost(versionStep);
      }
    }
    const written = await this.deps.steps.record(this.job, step);
    if (!written) throw this.leaseLost(step.name);
    return written;
  }

  private leaseLost(name: string): SpoolError {
    return new SpoolError(
      'SPOOL_LEASE_LOST',
      `Step "${name}" of job ${this.job.id} was not recorded: this worker no longer holds the job's lease (another worker may run it).`,
    );
  }

  private async stepFailed(
    name: string,
    seq: number,
    attempts: number,
    thrown: unknown,
    options: StepOptions<any>,
    ms: number,
  ): Promise<never> {
    const error = coerceError(thrown);
    const code = (error as { code?: unknown }).code;
    const stored = {
      message: String(error.message).slice(0, 10_000),
      ...(typeof code === 'string' ? { code } : {}),
      name: error.name,
    };
    const retry = options.retry;
    const base = { ...this.blank(name, seq, 'step'), error: stored, attempts, durationMs: ms };
    if (retry && attempts < retry.maxAttempts) {
      const delay = backoffDelay(retry.backoff ?? stepBackoff, attempts);
      await this.write({ ...base, status: 'retrying', untilInMs: delay });
      throw new WorkflowSuspended(delay, 'time', `step "${name}" failed attempt ${attempts} of ${retry.maxAttempts} and runs again`);
    }
    await this.write({ ...base, status: 'failed' });
    if (!retry) throw thrown;
    throw new NonRetryableError(
      `Step "${name}" of job ${this.job.id} failed all ${attempts} of its attempts; the last: ${stored.message}`,
      {
        cause: thrown,
      },
    );
  }
}

function refsOf(detail: unknown): ChildRef[] {
  const { children, refs } = detail as { children: string[]; refs: [string, string][] };
  return children.map((id, i) => ({ id, queue: refs[i]?.[0] as string, name: refs[i]?.[1] as string }));
}

function iso(at: number): string {
  return new Date(at).toISOString();
}
