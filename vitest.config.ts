import { defineConfig } from 'vitest/config'

const RESTARTS_GLUSTERD = 'test/integration/lifecycle-glusterd.test.ts'

const shared = {
  globalSetup: ['test/integration/global-setup.ts'],
  testTimeout: 60_000,
  hookTimeout: 120_000,
}

export default defineConfig({
  test: {
    // Integration files share one glusterd; a few at a time keeps the 2-core box responsive.
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'main', include: ['test/**/*.test.ts'], exclude: [RESTARTS_GLUSTERD] } },
      // Restarting glusterd would pull the rug from under every file running beside it: this one
      // runs alone, after the rest.
      { test: { ...shared, name: 'glusterd-restart', include: [RESTARTS_GLUSTERD], sequence: { groupOrder: 1 } } },
    ],
  },
})
