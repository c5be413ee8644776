/**
 * @module
 * One keep-alive timer for every open event stream with the same period, instead of a timer each.
 * The streams are dealt into `slots` groups and the timer writes one group every period ÷ slots,
 * so each stream still hears from the server once a period while the writes are spread evenly
 * over it: a single beat for 10,000 streams at once would hold up changes' events for as long as
 * it takes. Within a group, a slice of streams is written per turn of the event loop.
 */

/** `: keep-alive`, encoded once and shared: a stream writes the same bytes every time. */
export const keepAlive = new TextEncoder().encode(': keep-alive\n\n');

/** Groups a period is split into. */
const slots = 16;
/** Streams written per turn of the event loop. */
const slice = 500;

interface Beat {
  timer: NodeJS.Timeout;
  groups: Set<() => void>[];
  size: number;
  next: number;
  dealt: number;
}

const beats = new Map<number, Beat>();

function start(periodMs: number): Beat {
  const groups = Array.from({ length: slots }, () => new Set<() => void>());
  const beat: Beat = {
    groups,
    size: 0,
    next: 0,
    dealt: 0,
    timer: setInterval(() => tick(beat), Math.max(1, Math.floor(periodMs / slots))),
  };
  beat.timer.unref();
  return beat;
}

function tick(beat: Beat): void {
  const group = beat.groups[beat.next % slots] as Set<() => void>;
  beat.next++;
  const due = [...group];
  const write = (from: number) => {
    for (let i = from; i < Math.min(due.length, from + slice); i++) {
      const each = due[i] as () => void;
      if (group.has(each)) each();
    }
    if (from + slice < due.length) setImmediate(write, from + slice);
  };
  write(0);
}

/** Calls `write` once every `periodMs`, on a timer shared with every other stream of that period; returns the function that stops it. */
export function onHeartbeat(periodMs: number, write: () => void): () => void {
  let beat = beats.get(periodMs);
  if (!beat) beats.set(periodMs, (beat = start(periodMs)));
  const current = beat;
  // Dealt round: the groups stay even however the streams arrive (a stream's first comment may
  // then come early, which only keeps its connection open sooner).
  const group = current.groups[current.dealt++ % slots] as Set<() => void>;
  group.add(write);
  current.size++;
  return () => {
    if (!group.delete(write)) return;
    if (--current.size > 0) return;
    clearInterval(current.timer);
    beats.delete(periodMs);
  };
}
