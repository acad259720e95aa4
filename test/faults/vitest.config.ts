// The fault suite (`npm run test:faults`): database crashes, concurrent processes, load and XSS in a
// browser, against real servers. It runs on its own, one file at a time, so its timings and memory
// readings are not disturbed by the rest of the tests; the main config (`npm test`) leaves it out.
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['test/faults/**/*.test.ts'],
    pool: 'forks',
    fileParallelism: false,
    maxWorkers: 1,
    testTimeout: 120_000,
    hookTimeout: 120_000,
    reporters: ['default'],
  },
});
