import { defineConfig } from 'vitest/config'

const RESTARTS_GLUSTERD = 'test/integration/lifecycle-glusterd.test.ts'
const INTEGRATION = 'test/integration/**/*.test.ts'

const shared = { testTimeout: 60_000, hookTimeout: 120_000 }
// Only integration tests need the GlusterFS sandbox: unit and fuzz tests run on any machine.
const integration = { ...shared, globalSetup: ['test/integration/global-setup.ts'] }

export default defineConfig({
  test: {
    // Integration files share one glusterd; a few at a time keeps the 2-core box responsive.
    maxWorkers: 2,
    projects: [
      { test: { ...shared, name: 'unit', include: ['test/**/*.test.ts'], exclude: [INTEGRATION] } },
      { test: { ...integration, name: 'integration', include: [INTEGRATION], exclude: [RESTARTS_GLUSTERD] } },
      // Restarting glusterd would pull the rug from under every file running beside it: this one
      // runs alone, after the rest.
      { test: { ...integration, name: 'glusterd-restart', include: [RESTARTS_GLUSTERD], sequence: { groupOrder: 1 } } },
    ],
  },
})
