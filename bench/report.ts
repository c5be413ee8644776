/**
 * @module
 * Renders the run as markdown (stdout and bench/results/latest.md) and JSON (latest.json).
 * Each figure marked higher- or lower-is-better gets a `Spool ÷ best peer` column on Spool rows.
 */
import type { Environment } from './env.js';
import type { Column, Row, Table } from './table.js';

export interface Run {
  mode: 'full' | 'quick';
  seconds: number;
  environment: Environment;
  settings: Record<string, string>;
  tables: Table[];
  problems: string[];
}

function format(value: number | null | undefined, digits?: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '—';
  const d = digits ?? (Math.abs(value) >= 100 ? 0 : Math.abs(value) >= 10 ? 1 : 2);
  return value.toLocaleString('en-US', { minimumFractionDigits: d, maximumFractionDigits: d });
}

/** The best peer figure for a column: highest or lowest among peers that were measured. */
function bestPeer(rows: Row[], column: Column): number | null {
  const values = rows
    .filter((r) => r.isPeer)
    .map((r) => r.values[column.key])
    .filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v > 0);
  if (values.length === 0) return null;
  return column.better === 'higher' ? Math.max(...values) : Math.min(...values);
}

export function ratios(table: Table): Map<Row, Record<string, number | null>> {
  const result = new Map<Row, Record<string, number | null>>();
  const rated = table.columns.filter((c) => c.better);
  for (const r of table.rows.filter((x) => x.isSpool)) {
    const entry: Record<string, number | null> = {};
    for (const column of rated) {
      const best = bestPeer(table.rows, column);
      const mine = r.values[column.key];
      entry[column.key] = best && typeof mine === 'number' && Number.isFinite(mine) ? mine / best : null;
    }
    result.set(r, entry);
  }
  return result;
}

function renderTable(table: Table): string {
  const rated = table.columns.filter((c) => c.better);
  const hasSpool = table.rows.some((r) => r.isSpool);
  const ratioColumns = hasSpool ? rated.map((c) => `Spool ÷ best peer (${c.title}${c.better === 'lower' ? ', lower is better' : ''})`) : [];
  const hasNotes = table.rows.some((r) => r.note);
  const header = ['system', ...table.columns.map((c) => c.title), ...ratioColumns, ...(hasNotes ? ['notes'] : [])];
  const byRow = ratios(table);
  const lines = [
    `## ${table.title}`,
    '',
    table.description,
    '',
    `| ${header.join(' | ')} |`,
    `| ${header.map((_, i) => (i === 0 || (i === header.length - 1 && hasNotes) ? '---' : '---:')).join(' | ')} |`,
  ];
  for (const r of table.rows) {
    const ratio = byRow.get(r);
    const cells = [
      r.isSpool ? `**${r.label}**` : r.label,
      ...table.columns.map((c) => format(r.values[c.key], c.digits)),
      ...(hasSpool ? rated.map((c) => (ratio ? `${format(ratio[c.key], 2)}×`.replace('—×', '—') : '')) : []),
      ...(hasNotes ? [r.note ?? ''] : []),
    ];
    lines.push(`| ${cells.join(' | ')} |`);
  }
  for (const note of table.notes) lines.push('', note);
  return lines.join('\n');
}

export function renderMarkdown(run: Run): string {
  const e = run.environment;
  const lines = [
    `# Spool benchmark (${run.mode} mode)`,
    '',
    `Run ${e.date}, took ${run.seconds.toFixed(0)} s. One machine, one run; every system wiped before each workload.`,
    '',
    '## Environment',
    '',
    `- Node ${e.node} on ${e.os}`,
    `- CPU: ${e.cpu}, ${e.cores} cores; ${e.memoryGb} GB RAM; load average at start ${e.loadAverage.join(', ')} (other work on the machine skews every figure)`,
    `- PostgreSQL ${e.postgres} and Redis ${e.redis}, both on 127.0.0.1 on this machine`,
    `- Packages: ${Object.entries(e.packages)
      .map(([name, version]) => `${name} ${version}`)
      .join(', ')}`,
    '',
    '## Settings',
    '',
    ...Object.entries(run.settings).map(([label, text]) => `- **${label}**: ${text}`),
    '',
    '`Spool ÷ best peer` compares each Spool row with the best of BullMQ, pg-boss and graphile-worker on the same figure (the raw-SQL ceiling is not a peer). Above 1 means Spool is ahead for figures where higher is better; for latency and memory, lower is better, so below 1 means Spool is ahead.',
    '',
    ...run.tables.flatMap((t) => [renderTable(t), '']),
  ];
  if (run.problems.length) lines.push('## Problems', '', ...run.problems.map((p) => `- ${p}`), '');
  return lines.join('\n');
}

export function toJson(run: Run): unknown {
  return {
    ...run,
    tables: run.tables.map((t) => {
      const byRow = ratios(t);
      return { ...t, rows: t.rows.map((r) => ({ ...r, spoolToBestPeer: byRow.get(r) ?? undefined })) };
    }),
  };
}
