// Writes a random-weight .pth with a preset's exact state dict (checkpoint/random-checkpoint.ts), e.g. a
// FlowMo-Lo-sized checkpoint for the full-size figures in docs/performance.md.
// Usage: npx tsx scripts/random-checkpoint.ts <preset> <out.pth> [--seed N] [--both]   (--both: raw weights too)
import { statSync } from 'node:fs'
import { writeRandomCheckpoint } from '../src/trainer/checkpoint/random-checkpoint'

const args = process.argv.slice(2)
const [presetName, out] = args.filter((a, i) => !a.startsWith('--') && args[i - 1] !== '--seed')
const seedAt = args.indexOf('--seed')
const seed = seedAt >= 0 ? Number(args[seedAt + 1]) : 0
if (!presetName || !out || !Number.isInteger(seed)) {
  console.error('usage: npx tsx scripts/random-checkpoint.ts <preset> <out.pth> [--seed N] [--both]')
  process.exit(2)
}
const started = Date.now()
const report = await writeRandomCheckpoint(presetName, out, {
  seed, stateDicts: args.includes('--both') ? 'both' : 'ema',
  onProgress: (done, total) => process.stderr.write(`\rwriting ${done}/${total} tensors`),
})
const gb = statSync(out).size / 1e9
console.error(`\nwrote ${out}: ${presetName}, ${report.tensors} tensors, ${report.parameters.toLocaleString('en')} parameters, ${gb.toFixed(2)} GB in ${((Date.now() - started) / 1000).toFixed(0)} s`)
