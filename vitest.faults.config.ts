import { configDefaults, defineConfig } from 'vitest/config';

/**
 * The fault-injection suite (`npm run faults`): the real bot as child processes, killed, cut off
 * from its database, flooded with broken payloads, and run as three replicas. Separate from
 * `npm test` because it is slower (four to five minutes on two cores with the storm) and needs a build.
 */
export default defineConfig({
  test: {
    include: ['test/faults/**/*.test.ts'],
    exclude: [...configDefaults.exclude],
    testTimeout: 180_000,
    hookTimeout: 120_000,
    // Two files at a time: most of a fault test is waiting (leases expiring, back-offs), and two
    // cores are enough for two bots and their fakes.
    maxWorkers: 2,
    globalSetup: ['test/global-setup.ts', 'test/faults/global-setup.ts'],
  },
});
