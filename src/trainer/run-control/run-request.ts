// startRun's request → the TrainingRun's RunOptions: defaults from defaultRunOptions(stage) — for a resume, the options
// recorded in the run's run.json — the model config from a preset, a config file or run.json, every path through the file policy.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunRequest } from '../../shared/payloads/runs'
import { RpcError } from '../../shared/rpc'
import { readable, readableOrUndefined, writableTarget } from '../jobs/paths'
import { perceptualSizeProblem } from '../losses/perceptual'
import { loadConfigFile } from '../model/config-file'
import { buildConfig, preset, type FlowMoConfig } from '../model/configs'
import { defaultRunOptions, type RunOptions } from '../train/run-options'

/** What run.json records (train/run.ts writeRunJson) that a resume reuses. */
interface SavedRun {
  readonly config: Parameters<typeof buildConfig>[0]
  readonly options?: Partial<RunOptions>
}

/** `resume` with `init`: the run continues its newest checkpoint, and starts from `init` while there is none yet. */
export async function runOptionsFrom(req: RunRequest): Promise<RunOptions> {
  if (req.preset !== undefined && req.config !== undefined) throw new RpcError('give preset or config, not both', 'invalid-request')
  const out = await writableTarget(req.out)
  const saved = req.resume ? await savedRun(out) : null
  const stage = req.stage ?? saved?.options?.stage ?? '1a'
  const { data: _d, val: _v, out: _o, preset: _p, config: _c, init: _i, weightsDir: _w, ...overrides } = req
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
  const options: RunOptions = {
    ...savedKnobs(stage, saved), ...defined, stage, resume: req.resume ?? false, out,
    data: await readable(req.data), val: await readableOrUndefined(req.val), init: await readableOrUndefined(req.init),
    weightsDir: await readableOrUndefined(req.weightsDir), config: await modelConfig(req, saved),
  }
  const sizeProblem = perceptualSizeProblem(options.perceptual, options.config.imageSize)
  if (sizeProblem) throw new RpcError(sizeProblem, 'invalid-request')
  return options
}

/** defaultRunOptions(stage), with the knobs run.json recorded when the stage matches (a resume keeps the run's settings). */
function savedKnobs(stage: RunOptions['stage'], saved: SavedRun | null): ReturnType<typeof defaultRunOptions> {
  const defaults = defaultRunOptions(stage)
  const options = saved?.options
  if (!options || options.stage !== stage) return defaults
  const recorded = Object.keys(defaults).filter((k) => options[k as keyof RunOptions] !== undefined).map((k) => [k, options[k as keyof RunOptions]])
  return { ...defaults, ...Object.fromEntries(recorded) }
}

async function savedRun(out: string): Promise<SavedRun | null> {
  const runJson = join(out, 'run.json')
  if (!existsSync(runJson)) return null
  try {
    return JSON.parse(await readFile(runJson, 'utf8')) as SavedRun
  } catch {
    return null // unreadable: the request must then name the model (preset or config)
  }
}

async function modelConfig(req: RunRequest, saved: SavedRun | null): Promise<FlowMoConfig> {
  if (req.config !== undefined) return loadConfigFile(await readable(req.config))
  if (req.preset !== undefined) {
    try {
      return preset(req.preset)
    } catch (e) {
      throw new RpcError((e as Error).message, 'invalid-request')
    }
  }
  if (saved) return buildConfig(saved.config)
  throw new RpcError('give a preset or a config file (a resume may omit both when the run folder has run.json)', 'invalid-request')
}
