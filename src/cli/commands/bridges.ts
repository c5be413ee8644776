/**
 * @module
 * `spool bridges`: the bridges a server runs, with their states, last errors and counters. Over
 * HTTP only: a bridge's state lives in the process that runs it, not in the store.
 */
import type { Command } from 'commander';
import type { BridgeStatus } from '../../bus/bridges/status.js';
import { describeMs } from '../../core/duration.js';
import { type Out, printJson, table } from '../output.js';
import { type TargetOptions, targetOptions, withBackend } from '../target.js';

function ago(at: number | null, now: number): string {
  return at === null ? '-' : `${describeMs(Math.max(0, now - at))} ago`;
}

export function bridgesTable(bridges: BridgeStatus[], now = Date.now()): string {
  const rows = bridges.map((b) => [
    b.name,
    `${b.kind} ${b.direction === 'out' ? `${b.topic} → broker` : `broker → ${b.topic}`}`,
    `${b.state} (${ago(b.since, now)})`,
    b.relayed,
    b.duplicates,
    b.failed,
    b.rejected,
    ago(b.lastActivityAt, now),
  ]);
  const errors = bridges
    .filter((b) => b.lastError)
    .map((b) => `  ${b.name}: ${b.lastError?.message} (${ago(b.lastError?.at ?? null, now)})`);
  const lines = [table(['BRIDGE', 'RELAYS', 'STATE', 'RELAYED', 'DUPLICATES', 'FAILED', 'REJECTED', 'LAST ACTIVITY'], rows)];
  for (const b of bridges) lines.push(`  ${b.name}: ${b.target}`);
  if (errors.length > 0) lines.push('last errors:', ...errors);
  return lines.join('\n');
}

export function registerBridgeCommands(program: Command, out: () => Out): void {
  targetOptions(
    program
      .command('bridges')
      .description('the bridges to RabbitMQ and NATS a server runs: state, last error, messages relayed')
      .addHelpText(
        'after',
        '\nBridges run inside `spool serve` and `spool worker` (the config file\'s "bridges"); ask that server with --url.',
      ),
  ).action(async (options: TargetOptions) => {
    const o = out();
    await withBackend(options, async (backend) => {
      const bridges = await backend.bridges();
      if (o.json) return printJson(o, { bridges });
      o.stdout.write(bridges.length === 0 ? 'no bridges run on this server\n' : `${bridgesTable(bridges)}\n`);
    });
  });
}
