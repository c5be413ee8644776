/** The logging seam. Pass your own (pino, winston and console all fit) or use the default. */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
}

type Level = 'debug' | 'info' | 'warn' | 'error' | 'silent';
const rank: Record<Level, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

/** Writes `[spool] level message {fields}` to stderr at `SPOOL_LOG_LEVEL` (default `info`) and above. */
export function consoleLogger(level: Level = (process.env.SPOOL_LOG_LEVEL as Level | undefined) ?? 'info'): Logger {
  const min = rank[level] ?? rank.info;
  const write = (at: Exclude<Level, 'silent'>) => (message: string, fields?: Record<string, unknown>) => {
    if (rank[at] < min) return;
    const extra = fields && Object.keys(fields).length ? ` ${safeStringify(fields)}` : '';
    process.stderr.write(`[spool] ${at} ${message}${extra}\n`);
  };
  return { debug: write('debug'), info: write('info'), warn: write('warn'), error: write('error') };
}

export const silentLogger: Logger = { debug() {}, info() {}, warn() {}, error() {} };

/** The same logger with fields added to every line. */
export function childLogger(parent: Logger, bound: Record<string, unknown>): Logger {
  return {
    debug: (m, f) => parent.debug(m, { ...bound, ...f }),
    info: (m, f) => parent.info(m, { ...bound, ...f }),
    warn: (m, f) => parent.warn(m, { ...bound, ...f }),
    error: (m, f) => parent.error(m, { ...bound, ...f }),
  };
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value, (_key, v) => (v instanceof Error ? { message: v.message, code: (v as { code?: unknown }).code } : v));
  } catch {
    return '[unserialisable fields]';
  }
}
