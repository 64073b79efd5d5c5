#!/usr/bin/env node
// `flowmo` entry: runs the TypeScript CLI (src/cli/main.ts) through tsx's ESM loader, so no build step is needed.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
process.exitCode = await main(process.argv.slice(2))
