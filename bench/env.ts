/** @module The environment header: machine, runtimes, servers and the version of every package measured. */
import { readFileSync } from 'node:fs';
import { cpus, loadavg, platform, release, totalmem } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { redis } from './config.js';
import { adminScalar } from './pg-admin.js';
import { errorMessage } from './util.js';

export interface Environment {
  date: string;
  node: string;
  os: string;
  cpu: string;
  cores: number;
  memoryGb: number;
  /** 1, 5 and 15 minute load averages when the run started: other work on the machine skews every figure. */
  loadAverage: number[];
  postgres: string;
  redis: string;
  packages: Record<string, string>;
}

const packages = ['spool', 'bullmq', 'pg-boss', 'graphile-worker', 'pg', 'better-sqlite3', 'ioredis', 'tsx'];

function packageVersion(name: string): string {
  const file = name === 'spool' ? join(process.cwd(), 'package.json') : join(process.cwd(), 'node_modules', name, 'package.json');
  try {
    return (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version;
  } catch {
    return 'not installed';
  }
}

async function redisVersion(): Promise<string> {
  const queue = new Queue('bench-env', { connection: { ...redis } });
  try {
    await queue.waitUntilReady();
    return queue.redisVersion;
  } finally {
    await queue.close();
  }
}

export async function environment(): Promise<Environment> {
  const safely = (p: Promise<string>) => p.catch((err: unknown) => `unavailable (${errorMessage(err)})`);
  return {
    date: new Date().toISOString(),
    node: process.version,
    os: `${platform()} ${release()}`,
    cpu: cpus()[0]?.model.trim() ?? 'unknown',
    cores: cpus().length,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    loadAverage: loadavg().map((x) => Math.round(x * 100) / 100),
    postgres: await safely(adminScalar('SHOW server_version')),
    redis: await safely(redisVersion()),
    packages: Object.fromEntries(packages.map((p) => [p, packageVersion(p)])),
  };
}
