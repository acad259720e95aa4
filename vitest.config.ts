import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The fault suite runs on its own: `npm run test:faults` (test/faults/vitest.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    // PGlite instances are large (~1 GB peak) and slow to create: one per test file, few files at once.
    pool: 'forks',
    maxWorkers: 2,
    testTimeout: 30_000,
    hookTimeout: 60_000,
    reporters: ['default'],
  },
});
