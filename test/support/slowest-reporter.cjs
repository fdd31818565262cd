/**
 * Jest reporter: after the run, the slowest test files with their seconds (CI output shows where the time goes).
 * `STEWARD_SLOWEST=N` lists N files (default 12; 0 turns it off).
 */
class SlowestSuitesReporter {
  onRunComplete(_contexts, results) {
    const count = Number.parseInt(process.env.STEWARD_SLOWEST ?? '12', 10);
    if (!(count > 0)) return;
    const root = process.cwd() + '/';
    const suites = results.testResults
      .filter((r) => r.perfStats && r.perfStats.end > 0)
      .map((r) => ({ file: r.testFilePath.replace(root, ''), seconds: (r.perfStats.end - r.perfStats.start) / 1000 }))
      .sort((a, b) => b.seconds - a.seconds);
    if (suites.length === 0) return;
    const total = suites.reduce((sum, s) => sum + s.seconds, 0);
    const lines = suites.slice(0, count).map((s) => `  ${s.seconds.toFixed(1).padStart(6)} s  ${s.file}`);
    process.stderr.write(
      `\nSlowest test files (${Math.min(count, suites.length)} of ${suites.length}; ${total.toFixed(0)} s summed over files):\n${lines.join('\n')}\n`,
    );
  }
}
module.exports = SlowestSuitesReporter;
