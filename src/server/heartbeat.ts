/**
 * @module
 * One keep-alive timer for every open event stream with the same period, instead of a timer each:
 * 10,000 idle streams then cost one timer, and each beat writes one pre-encoded comment per stream,
 * a slice of streams per turn of the event loop so a beat never holds up a change's event.
 */

/** `: keep-alive`, encoded once and shared: a stream writes the same bytes every time. */
export const keepAlive = new TextEncoder().encode(': keep-alive\n\n');

/** Streams written per turn of the event loop during a beat. */
const slice = 500;

const beats = new Map<number, { timer: NodeJS.Timeout; writers: Set<() => void> }>();

/** Calls `write` every `periodMs` with every other stream of that period; returns the function that stops it. */
export function onHeartbeat(periodMs: number, write: () => void): () => void {
  let beat = beats.get(periodMs);
  if (!beat) {
    const writers = new Set<() => void>();
    const timer = setInterval(() => {
      const due = [...writers];
      const write = (from: number) => {
        for (let i = from; i < Math.min(due.length, from + slice); i++) if (writers.has(due[i] as () => void)) (due[i] as () => void)();
        if (from + slice < due.length) setImmediate(write, from + slice);
      };
      write(0);
    }, periodMs);
    timer.unref();
    beats.set(periodMs, (beat = { timer, writers }));
  }
  const { writers, timer } = beat;
  writers.add(write);
  return () => {
    if (!writers.delete(write) || writers.size > 0) return;
    clearInterval(timer);
    beats.delete(periodMs);
  };
}
