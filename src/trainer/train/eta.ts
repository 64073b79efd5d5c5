// The run's time to go: the remaining steps at the step rate measured without validation, samples and checkpoints
// (the loop waits for those between steps), plus each remaining one at its last measured duration. Computed this
// way the ETA neither freezes while a validation runs nor jumps after it.

export interface EtaInput {
  readonly step: number // steps done
  readonly maxSteps: number
  readonly itS: number // training steps per second, side work excluded
  readonly valEvery: number
  readonly sampleEvery: number // a sample grid comes with a validation (one pass writes both)
  readonly checkpointEvery: number
  readonly validationS: number // the last validation's duration (0 before the first)
  readonly checkpointS: number // the last checkpoint's duration (0 before the first)
}

export function etaSeconds(e: EtaInput): number {
  const ahead = (every: number) => Math.floor(e.maxSteps / every) - Math.floor(e.step / every) // multiples of `every` in (step, maxSteps]
  const last = e.step < e.maxSteps ? 1 : 0 // the run ends with a validation and a checkpoint when max steps is off the beat
  const validations = ahead(e.valEvery) + ahead(e.sampleEvery) - ahead(lcm(e.valEvery, e.sampleEvery)) +
    (e.maxSteps % e.valEvery !== 0 && e.maxSteps % e.sampleEvery !== 0 ? last : 0)
  const checkpoints = ahead(e.checkpointEvery) + (e.maxSteps % e.checkpointEvery !== 0 ? last : 0)
  return (e.maxSteps - e.step) / Math.max(e.itS, 1e-9) + validations * e.validationS + checkpoints * e.checkpointS
}

function lcm(a: number, b: number): number {
  const gcd = (x: number, y: number): number => (y === 0 ? x : gcd(y, x % y))
  return (a / gcd(a, b)) * b
}
