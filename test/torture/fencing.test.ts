/**
 * Fencing with a real frozen process: a worker stopped with SIGSTOP while it holds a job, past its
 * lease. If another worker claims the job meanwhile, the frozen one's late outcome is refused when
 * it wakes (SIGCONT). If nobody claimed it, the late outcome still counts: the job was finished
 * and its lease token still holds (see the outage test, item 7).
 */
import { afterEach, describe, expect, it } from 'vitest';
import { type Job, type Spool, createSpool, silentLogger } from '../helpers/api.js';
import { delay, eventually } from '../helpers/eventually.js';
import { WorkerProcess, killAllWorkerProcesses } from '../helpers/processes.js';
import { type TortureStore, makeStore, storeKinds } from './stores.js';
import { recordFigures } from './support.js';

const kinds = await storeKinds();
const lease = 1_000;

describe.each(kinds)('a worker frozen with SIGSTOP past its lease on %s', (kind) => {
  let store: TortureStore | undefined;
  let spool: Spool | undefined;
  const figures = { refusedLateOutcomes: 0, acceptedLateOutcomes: 0 };

  afterEach(async () => {
    await killAllWorkerProcesses();
    await spool?.close({ timeout: 2_000 });
    await store?.cleanup();
    recordFigures(`fencing-${kind}`, { store: kind, ...figures });
  });

  async function frozenWorker(): Promise<{ worker: WorkerProcess; id: string }> {
    store = await makeStore(kind);
    spool = await createSpool({ store: store.url, schema: store.schema, logger: silentLogger, shutdownSignals: false });
    const worker = await WorkerProcess.start(store.url, store.schema, 'frozen', 'record', { sleep: 1_500, lease, heartbeat: 300 });
    const { id } = await spool.enqueue('frozen', 'n', null, { maxAttempts: 3 });
    await worker.waitForLine(new RegExp(`^active ${id}$`));
    worker.signal('SIGSTOP');
    await delay(lease + 500);
    expect(await spool.rescueExpired()).toBe(1);
    return { worker, id };
  }

  it('cannot record its late outcome once another worker claimed the job', { timeout: 30_000 }, async () => {
    const { worker, id } = await frozenWorker();
    const s = spool as Spool;
    const [stolen] = await s.store.claim({ queue: 'frozen', limit: 1, workerId: 'thief', token: 'thief-token', leaseMs: 60_000 });
    expect(stolen).toMatchObject({ id, attempts: 2 });
    expect(await s.store.complete([{ id, token: 'thief-token', result: '"thief"' }])).toHaveLength(1);

    worker.signal('SIGCONT');
    // The frozen handler finishes (its sleep was due long ago) and tries to record its outcome.
    await eventually(() => /not recorded|Lost the lease/.test(worker.stderr), 10_000);
    expect(worker.lines).not.toContain(`done ${id}`);
    expect(await s.getJob(id)).toMatchObject({ status: 'completed', result: 'thief', attempts: 2 });
    figures.refusedLateOutcomes++;
  });

  it('records its late outcome when nobody claimed the job meanwhile', { timeout: 30_000 }, async () => {
    const { worker, id } = await frozenWorker();
    const s = spool as Spool;
    expect(await s.getJob(id)).toMatchObject({ status: 'waiting', attempts: 1 });
    worker.signal('SIGCONT');
    await worker.waitForLine(new RegExp(`^done ${id}$`), 10_000);
    const job = (await s.getJob(id)) as Job;
    expect(job, `${worker.lines.join('; ')} ${worker.stderr} ${JSON.stringify(job.errors)}`).toMatchObject({
      status: 'completed',
      attempts: 1,
      result: { pid: worker.pid, jobId: id, attempt: 1 },
    });
    figures.acceptedLateOutcomes++;
  });
});
