'use strict';
// Preloaded by bench/cli-start.ts into the process it measures: at exit, write the process's CPU time (user +
// system, ms) to file descriptor 3. Files starting with `_` are not benchmark modules (bench/run.ts).
process.once('exit', () => {
  const { user, system } = process.cpuUsage();
  try {
    require('node:fs').writeSync(3, String((user + system) / 1000));
  } catch {
    // not run by the bench: nothing to report to
  }
});
