// A run request (the CLI's flags or the protocol's startRun payload) → the TrainingRun's RunOptions; the one place both
// resolve it. Fresh runs: defaultRunOptions(stage) overridden by the request. Resumes: the run folder decides — stage
// and model from its newest complete checkpoint (else run.json), knobs from run.json — and a request that contradicts
// what trained the run (another stage, model, data, seed, batch, lr, loss settings) is refused with a RunRequestError.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { isAbsolute, join, resolve } from 'node:path'
import type { RunRequest } from '../../shared/payloads/runs'
import { RpcError } from '../../shared/rpc'
import { SafetensorsFile } from '../checkpoint/safetensors'
import { readable, readableOrUndefined, writableTarget } from '../jobs/paths'
import { perceptualSizeProblem } from '../losses/perceptual'
import { configFromDocument, loadConfigFile } from '../model/config-file'
import { buildConfig, preset, type FlowMoConfig } from '../model/configs'
import { explicitSizes } from '../train/checkpointing'
import { RunDir } from '../train/run-dir'
import { defaultRunOptions, type RunOptions } from '../train/run-options'

/** A request as the CLI and the engine receive it; `data` may be left out on a resume (run.json has it). */
export type RunRequestInput = Omit<RunRequest, 'data'> & { readonly data?: string }

/** A request the run folder or the options refuse; the CLI reports it as a usage error (exit 2). */
export class RunRequestError extends RpcError {
  constructor(message: string) {
    super(message, 'invalid-request')
  }
}

/** How paths of the request become real paths: the engine's file policy, or the CLI's working folder. */
export interface RunPaths {
  input(path: string): Promise<string> // must exist
  output(path: string): Promise<string> // may not exist yet
}

export const policyPaths: RunPaths = { input: readable, output: writableTarget }

export const localPaths: RunPaths = {
  async input(path) {
    const full = resolve(path)
    if (!existsSync(full)) throw new RpcError(`${path} does not exist`, 'not-found')
    return full
  },
  output: async (path) => resolve(path),
}

/** Knobs of run.json a resume may change: how long, how often it reports and checkpoints, what it keeps. */
const CHANGEABLE_ON_RESUME = new Set<string>([
  'maxSteps', 'logEvery', 'sampleEvery', 'valEvery', 'checkpointEvery', 'keepLast', 'keepEvery', 'valImages', 'evalWeights',
  'allowPerceptualFallback', 'engine', 'val', 'weightsDir', 'init', 'initStateDict', 'resume', 'out', 'preset', 'config',
])

/** What run.json records (TrainingRun.writeRunJson) and the newest complete checkpoint's header, for a resume. */
interface RecordedRun {
  readonly source: string // the file the stage and model come from
  readonly stage: RunOptions['stage']
  readonly config: FlowMoConfig
  readonly options: Partial<RunOptions>
}

export async function resolveRunRequest(req: RunRequestInput, paths: RunPaths = policyPaths): Promise<RunOptions> {
  if (req.preset !== undefined && req.config !== undefined) throw new RunRequestError('give a preset or a config file, not both')
  const out = await paths.output(req.out)
  const recorded = req.resume ? await recordedRun(out) : null
  const requested = await requestedConfig(req, paths)
  const data = req.data ?? recorded?.options.data
  if (data === undefined) throw new RunRequestError(recorded ? `${join(out, 'run.json')} names no data folder: give one` : 'give the training data folder')
  const given = { ...definedKnobs(req), data: await paths.input(data) }
  if (recorded) refuseContradictions(recorded, given, requested, out)
  const stage = recorded?.stage ?? req.stage ?? '1a'
  const config = recorded?.config ?? requested
  if (!config) throw new RunRequestError(req.resume ? `${out} has no run.json or checkpoint to resume: give a preset or a config file` : 'give a preset or a config file')
  const options: RunOptions = {
    ...knobsFor(stage, recorded), ...given, stage, config, resume: req.resume ?? false, out,
    val: await optionalInput(req.val ?? (recorded && recorded.options.val), paths), init: await optionalInput(req.init, paths),
    weightsDir: await optionalInput(req.weightsDir ?? (recorded && recorded.options.weightsDir), paths),
  }
  const sizeProblem = perceptualSizeProblem(options.perceptual, options.config.imageSize)
  if (sizeProblem) throw new RunRequestError(sizeProblem)
  return options
}

/** The request's knobs that are set (paths and the model are resolved apart). */
function definedKnobs(req: RunRequestInput): Partial<RunOptions> {
  const { data: _d, val: _v, out: _o, preset: _p, config: _c, init: _i, weightsDir: _w, resume: _r, ...knobs } = req
  return Object.fromEntries(Object.entries(knobs).filter(([, v]) => v !== undefined)) as Partial<RunOptions>
}

/** defaultRunOptions(stage), with the knobs run.json recorded (a resume keeps the run's settings). */
function knobsFor(stage: RunOptions['stage'], recorded: RecordedRun | null): ReturnType<typeof defaultRunOptions> {
  const defaults = defaultRunOptions(stage)
  if (!recorded || recorded.options.stage !== stage) return defaults
  const kept = Object.keys(defaults).filter((k) => recorded.options[k as keyof RunOptions] !== undefined)
  return { ...defaults, ...Object.fromEntries(kept.map((k) => [k, recorded.options[k as keyof RunOptions]])) }
}

/** A resume continues what trained the run: a different stage, model or training knob is refused, naming both values. */
function refuseContradictions(recorded: RecordedRun, given: Partial<RunOptions>, requested: FlowMoConfig | null, out: string): void {
  const refuse = (what: string, asked: unknown, was: unknown) => {
    throw new RunRequestError(`${out} is a run with ${what} ${String(was)} (${recorded.source}); a resume continues it as such, `
      + `so ${what} ${String(asked)} is refused: leave it out, or start a new run folder (from a checkpoint: init)`)
  }
  if (given.stage !== undefined && given.stage !== recorded.stage) refuse('stage', given.stage, recorded.stage)
  if (requested && modelKey(requested) !== modelKey(recorded.config)) refuse('model', describeModel(requested), describeModel(recorded.config))
  for (const [key, value] of Object.entries(given)) {
    if (key === 'stage' || CHANGEABLE_ON_RESUME.has(key)) continue
    const was = recorded.options[key as keyof RunOptions]
    if (was === undefined) continue // an older run.json: nothing to compare with
    const same = key === 'data' ? samePath(String(value), String(was)) : JSON.stringify(value) === JSON.stringify(was)
    if (!same) refuse(key, value, was)
  }
}

const modelKey = (c: FlowMoConfig) => JSON.stringify({ ...explicitSizes(c), name: undefined })
const describeModel = (c: FlowMoConfig) => `'${c.name}' (${c.imageSize} px, ${c.codeLength} tokens, width ${c.decoder.hiddenSize})`
const samePath = (a: string, b: string) => resolve(a) === (isAbsolute(b) ? resolve(b) : b) || resolve(a) === resolve(b)

async function optionalInput(path: string | undefined | null | false, paths: RunPaths): Promise<string | undefined> {
  return path ? paths.input(path) : undefined
}

async function requestedConfig(req: RunRequestInput, paths: RunPaths): Promise<FlowMoConfig | null> {
  if (req.config !== undefined) return loadConfigFile(await paths.input(req.config))
  if (req.preset === undefined) return null
  try {
    return preset(req.preset)
  } catch (e) {
    throw new RunRequestError((e as Error).message)
  }
}

/** The run in `out` as a resume finds it: the newest complete checkpoint's stage and model, run.json's knobs; null when new. */
async function recordedRun(out: string): Promise<RecordedRun | null> {
  const runJson = join(out, 'run.json')
  const saved = existsSync(runJson) ? await readRunJson(runJson) : null
  const newest = await new RunDir(out).newestValidCheckpoint()
  if (newest) {
    const file = await SafetensorsFile.open(newest.model)
    const meta = file.header.metadata
    await file.close()
    const config = configFromDocument(parseJson(meta.config, `${newest.model} metadata 'config'`), `${newest.model} metadata`)
    return { source: newest.model, stage: meta.stage === '1b' ? '1b' : '1a', config, options: saved?.options ?? {} }
  }
  if (!saved) return null
  const stage = saved.options?.stage === '1b' ? '1b' : '1a'
  return { source: runJson, stage, config: buildConfig(saved.config), options: saved.options ?? {} }
}

interface SavedRun {
  readonly config: Parameters<typeof buildConfig>[0]
  readonly options?: Partial<RunOptions>
}

async function readRunJson(path: string): Promise<SavedRun> {
  const doc = parseJson(await readFile(path, 'utf8'), path)
  if (typeof doc.config !== 'object' || doc.config === null) throw new RunRequestError(`${path}: no 'config' object`)
  return doc as unknown as SavedRun
}

function parseJson(text: string | undefined, source: string): Record<string, unknown> {
  try {
    const doc: unknown = JSON.parse(text ?? '')
    if (typeof doc === 'object' && doc !== null && !Array.isArray(doc)) return doc as Record<string, unknown>
  } catch (e) {
    throw new RunRequestError(`${source}: not valid JSON (${(e as Error).message})`)
  }
  throw new RunRequestError(`${source}: expected a JSON object`)
}
