/** The median of `values` (the mean of the two middle ones when there is an even number of them). */
export function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/**
 * Times `work` `runs` times after one warm-up run, which is not timed (the first run also pays for
 * cold caches and plans). Returns each run's time in ms and what the warm-up run found.
 */
export async function timedRuns<T>(
  runs: number,
  work: () => Promise<T>,
): Promise<{ times: number[]; found: T }> {
  const found = await work();
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  return { times, found };
}
