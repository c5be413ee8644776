/**
 * @module
 * The claim loop: looks for work when poked (a wake-up from the store, a freed slot) and on a
 * poll timer otherwise (delayed jobs, other processes). Pokes within one turn of the event loop
 * make one claim; a full batch asks for another at once. A claim the store could not answer backs
 * off with jitter, from 100 ms to 5 s (`storeRetryDelay`), and the outage is logged once.
 */
import { isTransient } from '../core/errors.js';
import type { OutageLog } from '../core/outage-log.js';
import type { ClaimedJob } from '../core/types.js';
import { storeRetryDelay } from '../policies/backoff.js';
import type { ClaimRequest } from '../store/contract.js';
import type { WorkerPort } from './port.js';

export class ClaimLoop {
  private running = false;
  private claiming = false;
  private pokeScheduled = false;
  private wakeRequested = false;
  /** Claims that failed in a row: the store is away or busy. */
  private failures = 0;
  private pollTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly port: WorkerPort,
    private readonly queue: string,
    private readonly pollMs: number,
    /** The claim to make now, or null when there is no free slot. */
    private readonly nextClaim: () => ClaimRequest | null,
    /** Makes a claim (plainly, or under the queue's policies). */
    private readonly claim: (request: ClaimRequest) => Promise<ClaimedJob[]>,
    private readonly onClaimed: (jobs: ClaimedJob[]) => void,
    private readonly outage: OutageLog,
    /** A claim found nothing it may take (idle, or only jobs with names this worker does not handle). */
    private readonly onEmpty: () => void = () => {},
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

  /** Looks for work now instead of at the next poll. */
  poke(): void {
    if (!this.running || this.pokeScheduled) return;
    this.pokeScheduled = true;
    setImmediate(() => {
      this.pokeScheduled = false;
      if (!this.running) return;
      if (this.claiming) this.wakeRequested = true;
      else void this.loop();
    });
  }

  private async loop(): Promise<void> {
    this.claiming = true;
    if (this.pollTimer) clearTimeout(this.pollTimer);
    this.pollTimer = null;
    let nextPollMs = this.pollMs;
    try {
      do {
        this.wakeRequested = false;
        const request = this.nextClaim();
        if (!request) break;
        const jobs = await this.claim(request);
        this.failures = 0;
        // Only a claim that took jobs proves the store takes writes again: SQLite answers an empty
        // claim from a read, which works while another process holds the write lock.
        if (jobs.length > 0) this.outage.succeeded();
        this.onClaimed(jobs);
        if (jobs.length === 0) this.onEmpty();
        // A full batch suggests more is waiting.
        if (jobs.length === request.limit) this.wakeRequested = true;
      } while (this.wakeRequested && this.running);
    } catch (err) {
      // Backs off past the poll interval: a store that is away is not asked once a second per queue.
      nextPollMs = storeRetryDelay(++this.failures);
      if (isTransient(err)) this.outage.failed(err, `Claiming jobs from queue "${this.queue}" failed`);
      else
        this.port.events.emit('error', {
          error: err as Error,
          context: `Claiming jobs from queue "${this.queue}" failed; trying again in ${nextPollMs} ms`,
        });
    } finally {
      this.claiming = false;
    }
    if (this.running) {
      // Not unref'd: a running worker is what keeps a worker process alive.
      this.pollTimer = setTimeout(() => this.poke(), nextPollMs);
    }
  }
}
