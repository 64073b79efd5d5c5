// flowmo convert against real torch: the golden .pth (written by torch) → safetensors → .pth loads with
// torch.load(weights_only=True) bit-equal, in order; our checkpoint with Adam state → .pth resumes in torch.optim.Adam
// exactly where our Adam would step next, and comes back bit-equal; config.yaml reads back in PyYAML and in ours.
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import * as tf from '@tensorflow/tfjs-core'
import '@tensorflow/tfjs-backend-cpu'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { SafetensorsFile, writeSafetensors, type TensorToWrite } from '../../../src/trainer/checkpoint/safetensors'
import { loadConfigFile } from '../../../src/trainer/model/config-file'
import { convertToPth, convertToSafetensors } from '../../../src/trainer/official/convert'
import { goldenDir } from '../../../src/trainer/parity/golden-dir'
import { explicitSizes } from '../../../src/trainer/train/checkpointing'
import { Adam } from '../../../src/trainer/train/optim'
import { readSafetensorsPy, runTorch } from '../../fixtures/torch/python-torch'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-convert-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const golden = join(goldenDir(), 'tiny-a')

interface Contents { names: string[]; shapes: Map<string, number[]>; data: Map<string, Float32Array>; metadata: Record<string, string> }

async function readAll(path: string): Promise<Contents> {
  const f = await SafetensorsFile.open(path)
  try {
    const data = new Map<string, Float32Array>()
    for (const e of f.header.entries) data.set(e.name, await f.readTensor(e.name))
    const shapes = new Map(f.header.entries.map((e) => [e.name, [...e.shape]]))
    return { names: f.header.entries.map((e) => e.name), shapes, data, metadata: f.header.metadata }
  } finally {
    await f.close()
  }
}

const bits = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)

describe('official .pth → safetensors → .pth', () => {
  it('the golden checkpoint comes back bit-equal under torch.load(weights_only=True), names in order, total_steps kept', async () => {
    const st = join(dir, 'golden.safetensors')
    const back = join(dir, 'golden-back.pth')
    await convertToSafetensors({ checkpoint: join(golden, 'checkpoint.pth'), config: join(golden, 'config.json'), out: st })
    const report = await convertToPth({ checkpoint: st, out: back, configOut: null })
    expect(report.optimizer).toBe(false) // the golden file has none; the empty Adam state is not written as one
    const result = runTorch<{ keys: string[]; steps: number; mismatches: string[]; counts: number[] }>(`
import json, sys, torch
a = torch.load(sys.argv[1], map_location='cpu')
b = torch.load(sys.argv[2], weights_only=True)
bad = []
for k in ['model_ema_state_dict', 'model_state_dict']:
    if list(a[k].keys()) != list(b[k].keys()): bad.append(k + ' order')
    for n, x in a[k].items():
        y = b[k][n]
        if x.dtype != y.dtype or x.shape != y.shape or not torch.equal(x.view(torch.int32), y.view(torch.int32)): bad.append(k + '/' + n)
print(json.dumps({'keys': list(b.keys()), 'steps': b['total_steps'], 'mismatches': bad,
                  'counts': [len(b['model_ema_state_dict']), len(b['model_state_dict'])]}))
`, [join(golden, 'checkpoint.pth'), back])
    expect(result.keys).toEqual(['total_steps', 'model_ema_state_dict', 'model_state_dict'])
    expect(result.steps).toBe(1234)
    expect(result.counts).toEqual([128, 128])
    expect(result.mismatches).toEqual([])
  })
})

describe('our checkpoint with Adam state → .pth → ours', () => {
  const run = join(dir, 'ours')
  const model = join(run, 'step-000002.safetensors')
  const pth = join(dir, 'results', 'exp', 'checkpoints', '00000002.pth')
  const lr = 1e-3
  let names: string[] = []
  let adam: Adam
  let vars: Map<string, tf.Variable>
  const noGrad = 'decoder.double_blocks.1.txt_mlp.0.weight' // never stepped: torch keeps no state for it

  /** Seeded gradients for every parameter but `noGrad`. */
  function grads(seed: number): Map<string, tf.Tensor> {
    return new Map(names.filter((n) => n !== noGrad).map((n, i) => [n, tf.randomNormal(vars.get(n)!.shape, 0, 1e-2, 'float32', seed * 1000 + i)]))
  }

  beforeAll(async () => {
    mkdirSync(run, { recursive: true })
    await tf.setBackend('cpu')
    const weights = await readAll(join(golden, 'weights.safetensors'))
    names = weights.names
    vars = new Map(names.map((n) => [n, tf.variable(tf.tensor(weights.data.get(n)!, weights.shapes.get(n)!))]))
    adam = new Adam([
      { name: 'encoder', lr, params: names.filter((n) => n.startsWith('encoder.')) },
      { name: 'decoder', lr, params: names.filter((n) => n.startsWith('decoder.')) },
    ])
    for (const seed of [1, 2]) adam.step(vars, grads(seed))
    const snap = await adam.snapshot()
    await writeSafetensors(join(run, 'step-000002.optim.safetensors'), snap.tensors, { ...snap.metadata, total_steps: '2' })
    const tensors: TensorToWrite[] = []
    for (const n of names) tensors.push({ name: `model.${n}`, shape: vars.get(n)!.shape, dtype: 'F32', data: (await vars.get(n)!.data()) as Float32Array })
    for (const n of names) tensors.push({ name: `ema.${n}`, shape: vars.get(n)!.shape, dtype: 'F32', data: weights.data.get(n)! })
    const config = explicitSizes(await loadConfigFile(join(golden, 'config.json')))
    await writeSafetensors(model, tensors, { total_steps: '2', stage: '1a', seed: '7', config: JSON.stringify(config) })
  })

  it('torch.optim.Adam loads the optimizer_state_dict and its next step equals ours', async () => {
    const report = await convertToPth({ checkpoint: model, out: pth })
    expect(report.written).toEqual([pth, join(dir, 'results', 'exp', 'config.yaml')])
    const g3 = grads(3)
    adam.step(vars, g3)
    const after: TensorToWrite[] = []
    const gradFile: TensorToWrite[] = []
    for (const n of names) after.push({ name: n, shape: vars.get(n)!.shape, dtype: 'F32', data: (await vars.get(n)!.data()) as Float32Array })
    for (const [n, g] of g3) gradFile.push({ name: n, shape: g.shape, dtype: 'F32', data: (await g.data()) as Float32Array })
    await writeSafetensors(join(dir, 'after.safetensors'), after)
    await writeSafetensors(join(dir, 'grads3.safetensors'), gradFile)
    const r = runTorch<{ groups: number[][]; lrs: number[]; betas: number[][]; states: number; steps: number[]; maxDiff: number; maxRef: number }>(`${readSafetensorsPy}
import sys
# torch < 2.0's weights_only unpickler lacks BINFLOAT, which any optimizer_state_dict (lr, betas) needs
sd = torch.load(sys.argv[1], weights_only=int(torch.__version__.split('.')[0]) >= 2)
raw = sd['model_state_dict']
params = {n: torch.nn.Parameter(t.clone()) for n, t in raw.items()}
enc = [p for n, p in params.items() if 'encoder' in n]
dec = [p for n, p in params.items() if 'decoder' in n]
opt = torch.optim.Adam([{'params': enc}, {'params': dec}], lr=0.5, betas=(0.5, 0.5))
opt.load_state_dict(sd['optimizer_state_dict'])
grads, _ = read_safetensors(sys.argv[2])
for n, p in params.items():
    p.grad = grads.get(n)
opt.step()
ours, _ = read_safetensors(sys.argv[3])
diff = max((params[n].detach() - ours[n]).abs().max().item() for n in params)
ref = max((params[n].detach() - raw[n]).abs().max().item() for n in params)
st = sd['optimizer_state_dict']
print(json.dumps({'groups': [[len(g['params']), g['params'][0]] for g in st['param_groups']], 'lrs': [g['lr'] for g in opt.param_groups],
  'betas': [list(g['betas']) for g in opt.param_groups], 'states': len(st['state']),
  'steps': sorted({float(s['step']) for s in st['state'].values()}), 'maxDiff': diff, 'maxRef': ref}))
`, [pth, join(dir, 'grads3.safetensors'), join(dir, 'after.safetensors')])
    const encoderCount = names.filter((n) => n.startsWith('encoder.')).length
    expect(r.groups).toEqual([[encoderCount, 0], [names.length - encoderCount, encoderCount]])
    expect(r.lrs).toEqual([lr, lr])
    expect(r.betas).toEqual([[0.9, 0.95], [0.9, 0.95]])
    expect(r.states).toBe(names.length - 1)
    expect(r.steps).toEqual([2])
    expect(r.maxRef).toBeGreaterThan(1e-4) // the step moved the weights…
    expect(r.maxDiff).toBeLessThan(2e-7) // …exactly as our Adam's third step did (fp32 rounding only)
  })

  it('the .pth converts back to our checkpoint bit-equal: weights, EMA, Adam moments and steps, config', async () => {
    const back = join(dir, 'back', 'step-000002.safetensors')
    mkdirSync(join(dir, 'back'))
    const report = await convertToSafetensors({ checkpoint: pth, out: back })
    expect(report.config.source).toBe(join(dir, 'results', 'exp', 'config.yaml'))
    const [a, b] = [await readAll(model), await readAll(back)]
    expect(b.names).toEqual(a.names)
    for (const n of a.names) expect(bits(b.data.get(n)!).equals(bits(a.data.get(n)!)), n).toBe(true)
    expect(b.metadata.total_steps).toBe('2')
    expect(b.metadata.seed).toBe('7')
    expect(JSON.parse(b.metadata.config!)).toEqual({ ...JSON.parse(a.metadata.config!), name: 'exp' })
    const [oa, ob] = [await readAll(join(run, 'step-000002.optim.safetensors')), await readAll(join(dir, 'back', 'step-000002.optim.safetensors'))]
    expect(new Set(ob.names)).toEqual(new Set(oa.names))
    for (const n of oa.names) expect(bits(ob.data.get(n)!).equals(bits(oa.data.get(n)!)), n).toBe(true)
    expect(JSON.parse(ob.metadata.adam_steps!)).toEqual(JSON.parse(oa.metadata.adam_steps!))
    expect(JSON.parse(ob.metadata.adam_groups!)).toEqual(JSON.parse(oa.metadata.adam_groups!))
  })

  it('config.yaml: PyYAML reads the floats as floats and the keys train.py reads', () => {
    const r = runTorch<Record<string, unknown>>(`
import json, sys, yaml
c = yaml.safe_load(open(sys.argv[1]))
print(json.dumps({'lr': c['opt']['lr'], 'lr_type': type(c['opt']['lr']).__name__, 'wd_type': type(c['opt']['weight_decay']).__name__,
  'cfg_type': type(c['eval']['sampling']['cfg']).__name__, 'seed': c['global_seed'], 'context_dim': c['model']['context_dim'],
  'sections': list(c.keys())}))
`, [join(dir, 'results', 'exp', 'config.yaml')])
    expect(r).toEqual({
      lr: 1e-3, lr_type: 'float', wd_type: 'float', cfg_type: 'float', seed: 7, context_dim: 6,
      sections: ['global_seed', 'data', 'model', 'opt', 'trainer', 'eval', 'derived'],
    })
  })
})
