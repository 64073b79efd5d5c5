// `npm run test:parity`: checks every golden set in FLOWMO_GOLDEN_DIR (default ../shared/golden) against our port,
// prints the worst error per tensor and one summary line per set, and exits non-zero on any mismatch.
import { initBackend } from '../src/trainer/backend'
import { findGoldenSets } from '../src/trainer/parity/golden-set'
import { goldenDir } from '../src/trainer/parity/golden-dir'
import { checkGoldenSet, rowLine, summaryLine } from '../src/trainer/parity/run'
import { checkGoldenSetOrt } from '../src/trainer/export/ort-parity'

const root = goldenDir()
const info = await initBackend()
const dirs = findGoldenSets(root)
if (dirs.length === 0) {
  console.error(`no golden sets in ${root} (a set is a folder with config.json, weights.safetensors and io.safetensors)`)
  process.exit(1)
}
console.log(`golden parity: ${dirs.length} set(s) in ${root}, backend ${info.name}`)
let failed = 0
for (const dir of dirs) {
  try {
    const report = await checkGoldenSet(dir)
    for (const row of report.rows) console.log(rowLine(row))
    console.log(summaryLine(report))
    if (!report.ok) failed++
    const ortRows = await checkGoldenSetOrt(dir) // the exported graphs in onnxruntime-node
    for (const row of ortRows) console.log(rowLine(row))
    const ortFailed = ortRows.filter((r) => !r.ok).length
    console.log(`${report.folder} [onnxruntime]: ${ortFailed === 0 ? 'ok' : `FAILED (${ortFailed})`}, worst rel err ${Math.max(...ortRows.map((r) => r.rel)).toExponential(1)}`)
    if (ortFailed > 0) failed++
  } catch (e) {
    console.log(`${dir.split('/').pop()}: FAILED (${(e as Error).message})`)
    failed++
  }
}
process.exit(failed === 0 ? 0 : 1)
