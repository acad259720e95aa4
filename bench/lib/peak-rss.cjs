// Preloaded into benchmarked processes (NODE_OPTIONS=--require): at exit, appends this process's
// peak resident set size and CPU time to $BENCH_RSS_FILE, one JSON line per process.
const { appendFileSync } = require('node:fs');
const file = process.env.BENCH_RSS_FILE;
if (file) {
  process.on('exit', () => {
    try {
      const usage = process.resourceUsage();
      appendFileSync(
        file,
        JSON.stringify({
          pid: process.pid,
          maxRssMb: usage.maxRSS / 1024,
          cpuMs: (usage.userCPUTime + usage.systemCPUTime) / 1000,
          argv: process.argv.slice(1).join(' '),
        }) + '\n',
      );
    } catch {}
  });
}
