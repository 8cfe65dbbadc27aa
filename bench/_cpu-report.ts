/**
 * Loaded with `--import` into a node process that `measure()` runs: at exit it writes the process's own CPU time
 * (user + system, microseconds) to BENCH_CPU_FILE. Only the measured process writes (not processes it starts).
 */
import { writeFileSync } from 'node:fs';

const file = process.env.BENCH_CPU_FILE;
if (file && String(process.ppid) === process.env.BENCH_CPU_PARENT) {
  process.once('exit', () => {
    const u = process.cpuUsage();
    try {
      writeFileSync(file, String(u.user + u.system));
    } catch {
      // the figure is missing (NaN), the run is not
    }
  });
}
