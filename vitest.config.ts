import { defineConfig } from 'vitest/config'

const RESTARTS_GLUSTERD = 'test/integration/lifecycle-glusterd.test.ts'
const THREE_HOSTS = 'test/integration/three-hosts.test.ts'
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
      { test: { ...integration, name: 'integration', include: [INTEGRATION], exclude: [RESTARTS_GLUSTERD, THREE_HOSTS] } },
      // Restarting glusterd would pull the rug from under every file running beside it: this one
      // runs alone, after the rest.
      { test: { ...integration, name: 'glusterd-restart', include: [RESTARTS_GLUSTERD], sequence: { groupOrder: 1 } } },
      // Three more glusterd with their bricks and self-heal daemons (netns-cluster.sh), and bounds
      // on ping-timeouts: alone, last, so the pool neither starves nor is starved by other files,
      // and the glusterd restart above (`pidof glusterd`) never meets a glusterd of the pool.
      { test: { ...integration, name: 'three-hosts', include: [THREE_HOSTS], sequence: { groupOrder: 2 } } },
    ],
  },
})
