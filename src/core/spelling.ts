/**
 * @module
 * "Did you mean": the known word a typo most likely meant, for error messages and warnings
 * (`sqllite:` for `sqlite:`, a job named `resize-imgae` where workers handle `resize-image`).
 */

/** The candidate closest to `word` within `maxDistance` edits (insert, delete, substitute), or null. */
export function closest(word: string, candidates: Iterable<string>, maxDistance = 2): string | null {
  let best: { name: string; distance: number } | null = null;
  for (const name of candidates) {
    const distance = editDistance(word, name);
    if (distance <= maxDistance && (!best || distance < best.distance)) best = { name, distance };
  }
  return best?.name ?? null;
}

/** Levenshtein distance, with one row of memory. */
export function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j] as number;
      row[j] = Math.min(above + 1, (row[j - 1] as number) + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length] as number;
}
