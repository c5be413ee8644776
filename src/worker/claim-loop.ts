/**
 * @module
 * The claim loop: looks for work when poked (a wake-up from the store, a freed slot) and on a
 * poll timer otherwise (delayed jobs, other processes). Pokes within one turn of the event loop
 * make one claim; a full batch asks for another at once. While one claim is on its way, more start
 * only for full batches (a worker with room for several, see `prefetch`): over a network the
 * claims then overlap instead of queueing one round trip behind another. A claim the store could
 * not answer backs off with jitter, from 100 ms to 5 s (`storeRetryDelay`), and the outage is
 * logged once.
 */
import { isTransient } from '../core/errors.js';
import type { OutageLog } from '../core/outage-log.js';
import type { ClaimedJob } from '../core/types.js';
import { storeRetryDelay } from '../policies/backoff.js';
import type { ClaimRequest } from '../store/contract.js';
import type { WorkerPort } from './port.js';

export class ClaimLoop {
  private running = false;
  /** Claims sent and not answered yet. */
  private inFlight = 0;
  private pokeScheduled = false;
  /** A poke arrived while claims were on their way: look again when they are answered. */
  private wakeRequested = false;
  /** Claims that failed in a row: the store is away or busy. */
  private failures = 0;
  private pollTimer: NodeJS.Timeout | null = null;
  private settledWaiters: (() => void)[] = [];

  constructor(
    private readonly port: WorkerPort,
    private readonly queue: string,
    private readonly pollMs: number,
    /**
     * The claim to make now, or null when there is no room. `fullOnly`: another claim is on its
     * way, so only a full batch is worth a round trip of its own.
     */
    private readonly nextClaim: (fullOnly: boolean) => ClaimRequest | null,
    /** Makes a claim (plainly, or under the queue's policies). */
    private readonly claim: (request: ClaimRequest) => Promise<ClaimedJob[]>,
    /** A claim was answered (`jobs` empty when it failed); the room it held is free again. */
    private readonly onClaimed: (request: ClaimRequest, jobs: ClaimedJob[]) => void,
    private readonly outage: OutageLog,
    /** A claim found nothing it may take (idle, or only jobs with names this worker does not handle). */
    private readonly onEmpty: () => void = () => {},
    /** Most claims on their way at once. */
    private readonly maxInFlight = 4,
  ) {}

  start(): void {
    this.running = true;
    this.poke();
  }

  stop(): void {
    this.running = false;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
  }

  /** Resolves once no claim is on its way (their jobs handed to `onClaimed`). */
  settled(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.settledWaiters.push(resolve));
  }

  /** Looks for work now instead of at the next poll. */
  poke(): void {
    if (!this.running || this.pokeScheduled) return;
    this.pokeScheduled = true;
    setImmediate(() => {
      this.pokeScheduled = false;
      if (this.inFlight > 0) this.wakeRequested = true;
      this.fill();
    });
  }

  /** Sends claims while there is room: one for whatever is free, more only for full batches. */
  private fill(): void {
    while (this.running && this.inFlight < this.maxInFlight) {
      const request = this.nextClaim(this.inFlight > 0);
      if (!request) break;
      this.inFlight++;
      if (this.pollTimer) clearTimeout(this.pollTimer);
      this.pollTimer = null;
      void this.claimOnce(request);
    }
    if (this.inFlight === 0) this.schedulePoll(this.pollMs);
  }

  private async claimOnce(request: ClaimRequest): Promise<void> {
    let jobs: ClaimedJob[] = [];
    let failed = false;
    try {
      jobs = await this.claim(request);
      this.failures = 0;
      // Only a claim that took jobs proves the store takes writes again: SQLite answers an empty
      // claim from a read, which works while another process holds the write lock.
      if (jobs.length > 0) this.outage.succeeded();
    } catch (err) {
      failed = true;
      // Backs off past the poll interval: a store that is away is not asked once a second per queue.
      const retryInMs = storeRetryDelay(++this.failures);
      if (isTransient(err)) this.outage.failed(err, `Claiming jobs from queue "${this.queue}" failed`);
      else
        this.port.events.emit('error', {
          error: err as Error,
          context: `Claiming jobs from queue "${this.queue}" failed; trying again in ${retryInMs} ms`,
        });
      this.schedulePoll(retryInMs);
    }
    this.inFlight--;
    this.onClaimed(request, jobs);
    if (!failed && jobs.length === 0) this.onEmpty();
    // A full batch suggests more is waiting; a poke during the claim may have announced a job it missed.
    if (!failed && (jobs.length === request.limit || this.wakeRequested)) {
      this.wakeRequested = false;
      this.fill();
    } else if (this.inFlight === 0 && !failed) this.schedulePoll(this.pollMs);
    if (this.inFlight === 0) {
      const waiters = this.settledWaiters;
      this.settledWaiters = [];
      for (const resolve of waiters) resolve();
    }
  }

  private schedulePoll(ms: number): void {
    if (!this.running) return;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    // Not unref'd: a running worker is what keeps a worker process alive.
    this.pollTimer = setTimeout(() => {
      this.pollTimer = null;
      this.poke();
    }, ms);
  }
}
