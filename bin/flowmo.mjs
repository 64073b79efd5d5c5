#!/usr/bin/env node
// `flowmo` entry: runs the TypeScript CLI (src/cli/main.ts) through tsx's ESM loader, so no build step is needed.
import { register } from 'tsx/esm/api'

register()
const { main } = await import('../src/cli/main.ts')
// exit explicitly: the wasm backend's worker threads would otherwise keep the process alive after the command
process.exit(await main(process.argv.slice(2)))
