// The pretrained weight files the losses and metrics use, where we look for them (a documented weights
// folder, then torch's own download cache), and the error a user sees when one is missing.
import { createHash } from 'node:crypto'
import { createReadStream, existsSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join } from 'node:path'

export interface WeightFile {
  readonly fileName: string // as the upstream project names it; the 8 hex digits are the start of its SHA-256
  readonly what: string
  readonly source: string // where a user gets it
  readonly alsoKnownAs?: readonly string[] // older names of the same weights (earlier torchvision releases)
}

export const weightFiles = {
  vgg16: {
    fileName: 'vgg16-397923af.pth',
    what: 'torchvision VGG16 ImageNet weights (VGG16_Weights.IMAGENET1K_V1), the LPIPS-VGG backbone',
    source: 'https://download.pytorch.org/models/vgg16-397923af.pth',
  },
  lpipsVgg: {
    fileName: 'vgg.pth',
    what: 'LPIPS v0.1 linear heads for VGG (lpips package, lpips/weights/v0.1/vgg.pth)',
    source: 'https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/vgg.pth',
  },
  alexnet: {
    fileName: 'alexnet-owt-7be5be79.pth',
    what: 'torchvision AlexNet ImageNet weights (AlexNet_Weights.IMAGENET1K_V1), the LPIPS-AlexNet backbone',
    source: 'https://download.pytorch.org/models/alexnet-owt-7be5be79.pth',
    alsoKnownAs: ['alexnet-owt-4df8aa71.pth'],
  },
  lpipsAlex: {
    fileName: 'alex.pth',
    what: 'LPIPS v0.1 linear heads for AlexNet (lpips package, lpips/weights/v0.1/alex.pth)',
    source: 'https://github.com/richzhang/PerceptualSimilarity/raw/master/lpips/weights/v0.1/alex.pth',
  },
  resnet50: {
    fileName: 'resnet50-0676ba61.pth', // IMAGENET1K_V1; the V2 weights are resnet50-11ad3fa6.pth and are NOT what the reference uses
    what: 'torchvision ResNet-50 ImageNet weights (ResNet50_Weights.IMAGENET1K_V1), the Stage-1B perceptual network',
    source: 'https://download.pytorch.org/models/resnet50-0676ba61.pth',
    alsoKnownAs: ['resnet50-19c8e357.pth'],
  },
  inception: {
    fileName: 'pt_inception-2015-12-05-6726825d.pth',
    what: 'pytorch-fid InceptionV3 weights (TF FID graph 2015-12-05), for rFID/KID',
    source: 'https://github.com/mseitzer/pytorch-fid/releases/download/fid_weights/pt_inception-2015-12-05-6726825d.pth',
  },
} as const satisfies Record<string, WeightFile>

export type WeightFileId = keyof typeof weightFiles

/** The folder we tell users to put weights in: `$FLOWMO_WEIGHTS_DIR`, else `~/.cache/flowmo/weights`. */
export function defaultWeightsDir(): string {
  return process.env.FLOWMO_WEIGHTS_DIR || join(homedir(), '.cache', 'flowmo', 'weights')
}

/** Folders searched in order: the one asked for (only it), else ours, then torch hub's download cache. */
export function weightSearchDirs(weightsDir?: string): string[] {
  if (weightsDir) return [weightsDir]
  const torchHome = process.env.TORCH_HOME || join(process.env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'torch')
  return [defaultWeightsDir(), join(torchHome, 'hub', 'checkpoints')]
}

export class MissingWeightsError extends Error {
  constructor(readonly file: WeightFile, readonly searched: readonly string[], readonly neededFor: string) {
    super(
      `${neededFor} needs ${file.fileName}: ${file.what}. It is not in ${searched.join(' or ')}. ` +
        `Download it from ${file.source} and put it in ${searched[0]} (or set FLOWMO_WEIGHTS_DIR to the folder holding it).`,
    )
    this.name = 'MissingWeightsError'
  }
}

/** The path of a weight file, or a MissingWeightsError naming the file, what it is, where to get it and where to put it. */
export function locateWeightFile(id: WeightFileId, neededFor: string, weightsDir?: string): string {
  const file: WeightFile = weightFiles[id]
  const dirs = weightSearchDirs(weightsDir)
  const names = [file.fileName, ...(file.alsoKnownAs ?? [])]
  const found = dirs.flatMap((d) => names.map((n) => join(d, n))).find((p) => existsSync(p))
  if (!found) throw new MissingWeightsError(file, dirs, neededFor)
  return found
}

/** SHA-256 of a file (hex), for the protocol card and the name check below. */
export async function fileSha256(path: string): Promise<string> {
  const hash = createHash('sha256')
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer)
  return hash.digest('hex')
}

/** torchvision/pytorch-fid name files `<stem>-<first 8+ hex digits of SHA-256>.pth`; null when a name has none. */
export function hashPrefixInName(path: string): string | null {
  return /-([0-9a-f]{8,})\.pth$/.exec(basename(path))?.[1] ?? null
}

/** Throws when a file's content does not match the hash in its name (a truncated or different download). */
export function checkNameHash(path: string, sha256: string): void {
  const prefix = hashPrefixInName(path)
  if (prefix !== null && !sha256.startsWith(prefix)) {
    throw new Error(`${path}: its SHA-256 starts with ${sha256.slice(0, prefix.length)}, not ${prefix} as its name says; the file is damaged or not the published one`)
  }
}
