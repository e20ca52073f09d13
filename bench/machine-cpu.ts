import { readFileSync } from 'node:fs';

/**
 * The machine's CPU time, from /proc/stat, to print what a run cost beside how fast it went. On a
 * shared VM the rate moves with the neighbours (the same code, run after run: ±15 %), while the
 * CPU time a message takes moves much less; time stolen by the hypervisor is counted apart.
 */
export interface CpuTimes {
  /** Seconds the CPUs ran anything (user, nice, system, irq, softirq), all processes. */
  busy: number;
  /** Seconds the hypervisor gave to other machines while this one wanted to run. */
  steal: number;
}

/** Jiffies per second in /proc/stat (USER_HZ): 100 on every Linux this runs on. */
const USER_HZ = 100;

/** The CPU times so far, or `undefined` where /proc/stat is not (not Linux). */
export function cpuTimes(): CpuTimes | undefined {
  let stat: string;
  try {
    stat = readFileSync('/proc/stat', 'utf8');
  } catch {
    return undefined;
  }
  // cpu  user nice system idle iowait irq softirq steal guest guest_nice (guest is within user)
  const [user, nice, system, , , irq, softirq, steal] = (stat.split('\n')[0] ?? '')
    .trim()
    .split(/\s+/)
    .slice(1)
    .map(Number);
  return {
    busy: ((user ?? 0) + (nice ?? 0) + (system ?? 0) + (irq ?? 0) + (softirq ?? 0)) / USER_HZ,
    steal: (steal ?? 0) / USER_HZ,
  };
}

/** "312 µs of CPU a message (steal 1.2 s)": the machine's CPU time between two readings, per item. */
export function cpuPerItem(before: CpuTimes | undefined, after: CpuTimes | undefined, items: number): string {
  if (!before || !after || items === 0) return 'CPU time not read (no /proc/stat)';
  const busy = after.busy - before.busy;
  const steal = after.steal - before.steal;
  return `${Math.round((busy / items) * 1e6)} µs of CPU a message, all processes (${busy.toFixed(1)} s busy, ${steal.toFixed(1)} s stolen)`;
}
