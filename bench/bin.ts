#!/usr/bin/env node
// The `gfapi-bench` command (compiled to dist/bench/bin.js; `npm run bench` runs it through tsx).
import { main } from './cli.ts'

process.exitCode = await main(process.argv.slice(2))
