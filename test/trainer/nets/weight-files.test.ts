// nets/weight-files.ts + load.ts: the missing-file message, the name hash check, and a wrong file rejected by name/shape.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { Params } from '../../../src/trainer/model/params'
import { readStateDict } from '../../../src/trainer/nets/load'
import { LPIPS } from '../../../src/trainer/nets/lpips'
import { ResNet50 } from '../../../src/trainer/nets/resnet50'
import { checkNameHash, fileSha256, locateWeightFile, MissingWeightsError, weightFiles } from '../../../src/trainer/nets/weight-files'
import { writeNetPth } from '../../fixtures/nets/fixture-weights'

const dir = mkdtempSync(join(tmpdir(), 'flowmo-weights-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('locating weight files', () => {
  it('a missing file names itself, what it is, where to get it and where to put it', async () => {
    const err = (() => {
      try {
        locateWeightFile('vgg16', 'LPIPS-VGG', dir)
      } catch (e) {
        return e
      }
    })()
    expect(err).toBeInstanceOf(MissingWeightsError)
    const message = (err as Error).message
    for (const part of ['LPIPS-VGG', 'vgg16-397923af.pth', 'IMAGENET1K_V1', 'https://download.pytorch.org/models/vgg16-397923af.pth', dir, 'FLOWMO_WEIGHTS_DIR']) {
      expect(message).toContain(part)
    }
    await expect(LPIPS.load('alex', { weightsDir: dir })).rejects.toThrow(/alexnet-owt-7be5be79\.pth/)
  })

  it('finds a file in the folder it is given, also under an older torchvision name of the same weights', () => {
    writeFileSync(join(dir, weightFiles.inception.fileName), 'x')
    expect(locateWeightFile('inception', 'rFID', dir)).toBe(join(dir, weightFiles.inception.fileName))
    writeFileSync(join(dir, 'resnet50-19c8e357.pth'), 'x')
    expect(locateWeightFile('resnet50', 'Stage 1B', dir)).toBe(join(dir, 'resnet50-19c8e357.pth'))
    rmSync(join(dir, 'resnet50-19c8e357.pth'))
  })
})

describe('checking a weight file', () => {
  it('rejects content whose SHA-256 does not start with the hash in the file name', async () => {
    const path = join(dir, 'resnet50-0676ba61.pth')
    writeFileSync(path, 'not the published file')
    const sha = await fileSha256(path)
    expect(sha).toMatch(/^[0-9a-f]{64}$/)
    expect(() => checkNameHash(path, sha)).toThrow(/not 0676ba61/)
    expect(() => checkNameHash(join(dir, 'vgg.pth'), sha)).not.toThrow() // lpips heads carry no hash in their name
  })

  it('a file of another layout is rejected with the missing and mismatched keys', async () => {
    const p = Params.root()
    new ResNet50(p, { widthDivisor: 16, blocks: [1, 1, 1, 1], numClasses: 10 })
    const other = Params.root()
    new ResNet50(other, { widthDivisor: 8, blocks: [1, 1, 1, 1], numClasses: 10 })
    const path = await writeNetPth(join(dir, 'other.pth'), other.all().filter((r) => !r.name.startsWith('fc.')))
    await expect(readStateDict(p.all(), path, { verifyHash: false })).rejects.toThrow(/Missing from the checkpoint \(2\)[\s\S]*fc\.weight[\s\S]*Shape mismatches/)
  })
})
