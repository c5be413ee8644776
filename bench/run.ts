/**
 * @module
 * `npm run bench [-- --quick] [-- --only=spool-postgres,bullmq] [-- --workloads=1,3] [-- --out=fan-out]`
 * Runs the workloads on Spool and its peers in one run on this machine and writes
 * bench/results/latest.md and latest.json (or `<out>.md` and `<out>.json`); prints the same
 * markdown to stdout.
 */
import { mkdir, rename, writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { concurrency, fullSizes, quickSizes } from './config.js';
import { environment } from './env.js';
import { type Run, renderMarkdown, toJson } from './report.js';
import { loadSystem, queueSystems } from './systems/index.js';
import type { Table } from './table.js';
import { errorMessage, now } from './util.js';
import { backlog } from './workloads/backlog.js';
import { concurrentEnqueue } from './workloads/concurrent-enqueue.js';
import { httpEnqueue } from './workloads/http-enqueue.js';
import { eventStreams } from './workloads/event-streams.js';
import { ceiling } from './workloads/ceiling.js';
import { claimsUnhandled } from './workloads/claims-unhandled.js';
import { crashRecovery } from './workloads/crash-recovery.js';
import { fanOut } from './workloads/fan-out.js';
import { flow } from './workloads/flow.js';
import type { WorkloadContext } from './workloads/context.js';
import { latency } from './workloads/latency.js';
import { network } from './workloads/network.js';
import { observability } from './workloads/observability.js';
import { prunePauseWorkload } from './workloads/prune-pause.js';
import { scaleOut } from './workloads/scale-out.js';
import { singleEnqueue } from './workloads/single-enqueue.js';
import { threads } from './workloads/threads.js';
import { throughput } from './workloads/throughput.js';
import { workflows } from './workloads/workflows.js';

const resultsDir = fileURLToPath(new URL('./results/', import.meta.url));

function argument(name: string): string | undefined {
  return process.argv.find((a) => a.startsWith(`--${name}=`))?.slice(name.length + 3);
}

async function main(): Promise<void> {
  const started = now();
  const quick = process.argv.includes('--quick');
  const only = argument('only')?.split(',');
  const chosen = new Set((argument('workloads') ?? '1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19').split(','));
  const ctx: WorkloadContext = {
    sizes: quick ? quickSizes : fullSizes,
    systems: queueSystems.filter((s) => !only || only.includes(s.name)),
    log: (message) => process.stderr.write(`[bench ${((now() - started) / 1000).toFixed(0).padStart(4)}s] ${message}\n`),
    settings: new Map(),
  };
  const problems: string[] = [];
  const tables: Table[] = [];
  const attempt = async (name: string, body: () => Promise<void>) => {
    try {
      await body();
    } catch (err) {
      problems.push(`${name} did not finish: ${errorMessage(err)}`);
    }
  };

  const env = await environment();
  for (const info of ctx.systems) {
    const text = await loadSystem(info.name).then(
      (system) => system.settings({ concurrency }),
      (err: unknown) => `could not load: ${errorMessage(err)}`,
    );
    ctx.settings.set(info.label, text);
  }
  if (chosen.has('1') || chosen.has('6')) {
    await attempt('workload 1', async () => {
      const r = await throughput(ctx);
      tables.push(r.throughput, r.memory);
    });
  }
  if (chosen.has('2')) await attempt('workload 2', async () => void tables.push(await singleEnqueue(ctx)));
  if (chosen.has('3')) await attempt('workload 3', async () => void tables.push(await latency(ctx)));
  if (chosen.has('4')) await attempt('workload 4', async () => void tables.push(await scaleOut(ctx)));
  if (chosen.has('5')) await attempt('workload 5', async () => void tables.push(await backlog(ctx)));
  if (chosen.has('7')) await attempt('workload 7', async () => void tables.push(await ceiling(ctx)));
  if (chosen.has('8')) await attempt('workload 8', async () => void tables.push(await fanOut(ctx)));
  if (chosen.has('9')) await attempt('workload 9', async () => void tables.push(await flow(ctx)));
  if (chosen.has('10')) await attempt('workload 10', async () => void tables.push(await httpEnqueue(ctx)));
  if (chosen.has('11')) await attempt('workload 11', async () => void tables.push(await concurrentEnqueue(ctx)));
  if (chosen.has('12')) await attempt('workload 12', async () => void tables.push(await network(ctx)));
  if (chosen.has('14') || chosen.has('threads')) await attempt('workload 14', async () => void tables.push(await threads(ctx)));
  if (chosen.has('13') || chosen.has('recovery')) await attempt('workload 13', async () => void tables.push(await crashRecovery(ctx)));
  if (chosen.has('15') || chosen.has('observability')) await attempt('workload 15', async () => void tables.push(await observability(ctx)));
  if (chosen.has('16')) await attempt('workload 16', async () => void tables.push(await eventStreams(ctx)));
  if (chosen.has('17')) await attempt('workload 17', async () => void tables.push(await workflows(ctx)));
  if (chosen.has('18')) await attempt('workload 18', async () => void tables.push(await claimsUnhandled(ctx)));
  if (chosen.has('19')) await attempt('workload 19', async () => void tables.push(await prunePauseWorkload(ctx)));

  tables.sort((a, b) => a.title.localeCompare(b.title, 'en', { numeric: true }));
  addCeilingNotes(tables);
  for (const t of tables)
    for (const r of t.rows) if (r.note?.startsWith('not measured')) problems.push(`${t.title}, ${r.label}: ${r.note}`);

  const run: Run = {
    mode: quick ? 'quick' : 'full',
    seconds: (now() - started) / 1000,
    environment: env,
    settings: Object.fromEntries(ctx.settings),
    tables,
    problems,
  };
  const markdown = renderMarkdown(run);
  await mkdir(resultsDir, { recursive: true });
  const out = argument('out') ?? 'latest';
  if (!/^[a-z0-9-]+$/.test(out)) throw new Error(`--out takes a file name of lower-case letters, digits and "-"; got ${out}`);
  await writeAtomically(`${resultsDir}${out}.md`, markdown);
  await writeAtomically(`${resultsDir}${out}.json`, `${JSON.stringify(toJson(run), null, 2)}\n`);
  process.stdout.write(`${markdown}\n`);
}

/** Puts Spool (PostgreSQL) beside the ceiling it runs on. */
function addCeilingNotes(tables: Table[]): void {
  const find = (id: string) => tables.find((t) => t.id === id);
  const ceilingTable = find('ceiling');
  if (!ceilingTable) return;
  const claims = ceilingTable.rows.filter((r) => r.label.startsWith('claim')).map((r) => r.values.rate ?? 0);
  const bestClaim = Math.max(0, ...claims);
  const insert = ceilingTable.rows.find((r) => r.label.startsWith('single-row'))?.values.rate ?? 0;
  const spoolProcess = find('throughput')?.rows.find((r) => r.label === 'Spool (PostgreSQL)')?.values.process;
  const spoolSingle = find('single-enqueue')?.rows.find((r) => r.label === 'Spool (PostgreSQL)')?.values.rate;
  const pct = (a: number | null | undefined, b: number) => (a && b ? `${((a / b) * 100).toFixed(0)}%` : '—');
  ceilingTable.notes.push(
    `Spool (PostgreSQL) against this ceiling: workload 1 process/s is ${pct(spoolProcess, bestClaim)} of the best claim + complete figure; workload 2 single enqueue is ${pct(spoolSingle, insert)} of single-row INSERTs.`,
  );
}

async function writeAtomically(file: string, text: string): Promise<void> {
  await writeFile(`${file}.tmp`, text);
  await rename(`${file}.tmp`, file);
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    process.stderr.write(`bench failed: ${err instanceof Error ? err.stack : String(err)}\n`);
    process.exit(1);
  },
);
