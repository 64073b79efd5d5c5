// startRun's request → the TrainingRun's RunOptions: defaults from defaultRunOptions(stage), the model config from a
// preset, a config file or (resume) the run's run.json, every path through the file policy.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import type { RunRequest } from '../../shared/payloads/runs'
import { RpcError } from '../../shared/rpc'
import { readable, readableOrUndefined, writableTarget } from '../jobs/paths'
import { loadConfigFile } from '../model/config-file'
import { buildConfig, preset, type FlowMoConfig } from '../model/configs'
import { defaultRunOptions, type RunOptions } from '../train/run-options'

export async function runOptionsFrom(req: RunRequest): Promise<RunOptions> {
  if (req.preset !== undefined && req.config !== undefined) throw new RpcError('give preset or config, not both', 'invalid-request')
  if (req.resume && req.init !== undefined) throw new RpcError('give resume or init, not both', 'invalid-request')
  const stage = req.stage ?? '1a'
  const out = await writableTarget(req.out)
  const { data: _d, val: _v, out: _o, preset: _p, config: _c, init: _i, weightsDir: _w, ...overrides } = req
  const defined = Object.fromEntries(Object.entries(overrides).filter(([, v]) => v !== undefined))
  return {
    ...defaultRunOptions(stage), ...defined, stage, resume: req.resume ?? false, out,
    data: await readable(req.data), val: await readableOrUndefined(req.val), init: await readableOrUndefined(req.init),
    weightsDir: await readableOrUndefined(req.weightsDir), config: await modelConfig(req, out),
  }
}

async function modelConfig(req: RunRequest, out: string): Promise<FlowMoConfig> {
  if (req.config !== undefined) return loadConfigFile(await readable(req.config))
  if (req.preset !== undefined) {
    try {
      return preset(req.preset)
    } catch (e) {
      throw new RpcError((e as Error).message, 'invalid-request')
    }
  }
  const runJson = join(out, 'run.json')
  if (req.resume && existsSync(runJson)) return buildConfig((JSON.parse(await readFile(runJson, 'utf8')) as { config: Parameters<typeof buildConfig>[0] }).config)
  throw new RpcError('give a preset or a config file (a resume may omit both when the run folder has run.json)', 'invalid-request')
}
