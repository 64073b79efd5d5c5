// The inspector's engine side: open models and images (through the file policy of src/trainer/files.ts) and the
// computations behind each view. The service wraps the long ones in jobs.
import type {
  BitAtlasReport, BitAtlasRequest, BundledFiles, CloseModelReport, CloseModelRequest, CodeBalanceReport, CodeBalanceRequest, ModelInputReport, ModelInputRequest, DecodeRequest, FileListing,
  FlipBitsReport, FlipBitsRequest, ImageRef, ListFilesRequest, ModelSummary, OpenImagesRequest, OpenModelRequest,
  MixTokensReport, MixTokensRequest, ReconstructReport, TokenMapReport, TokenMapRequest, TrajectoryReport, VarianceReport, VarianceRequest, BeginUploadRequest, UploadStarted, UploadChunkRequest, UploadProgress,
} from '../../shared/payloads/inspect'
import { allowedRoots, assertReadable, listFiles } from '../files'
import type { PathChoice } from '../inference/fast-path'
import { bitAtlas } from './bit-atlas'
import { flipBits } from './bit-flips'
import { bundledFiles } from './bundled-files'
import { codeBalance } from './code-balance'
import type { InspectContext, JobHooks } from './context'
import { ImageRegistry } from './image-registry'
import { LpipsOnDemand } from './image-metrics'
import { inferencePathVariable, ModelRegistry } from './model-registry'
import { rgbPixels } from './pixel-stats'
import { reconstructImage } from './reconstruct'
import { mixTokens, tokenMap } from './token-map'
import { trajectory } from './trajectory'
import { Uploads } from './uploads'
import { sampleVariance, type OnSample } from './variance'

export class Inspector {
  readonly ctx: InspectContext = {
    models: new ModelRegistry({ path: (process.env[inferencePathVariable] || 'auto') as PathChoice }), // a bad value fails each open, saying why
    images: new ImageRegistry(),
    lpips: new LpipsOnDemand(),
  }
  private readonly uploads = new Uploads()

  async listFiles(req: ListFilesRequest): Promise<FileListing> {
    if (req.dir !== undefined) return { dir: req.dir, entries: await listFiles(req.dir) }
    const roots = await allowedRoots()
    return { dir: null, entries: roots.map((path) => ({ name: path, path, kind: 'directory' as const, sizeBytes: 0 })) }
  }

  bundled(): Promise<BundledFiles> {
    return bundledFiles()
  }

  /** `job` (the service's openModel job) sees a checkpoint's first export to ONNX and can cancel it. */
  async openModel(req: OpenModelRequest, backend: string, job?: JobHooks): Promise<ModelSummary> {
    const path = await assertReadable(req.path)
    const config = req.config === undefined ? undefined : await assertReadable(req.config)
    return this.ctx.models.open({ ...req, path, config }, backend, job)
  }

  async closeModel(req: CloseModelRequest): Promise<CloseModelReport> {
    return { closed: this.ctx.models.close(req.modelId) }
  }

  async modelInput(req: ModelInputRequest): Promise<ModelInputReport> {
    const S = this.ctx.models.get(req.modelId).model.config.imageSize
    const { ref } = this.ctx.images.get(req.imageId)
    return { original: rgbPixels(this.ctx.images.modelInput(req.imageId, S), S), sizePx: S, fromH: ref.h, fromW: ref.w }
  }

  async openImages(req: OpenImagesRequest): Promise<ImageRef[]> {
    const refs: ImageRef[] = []
    for (const path of req.paths ?? []) refs.push(await this.ctx.images.openPath(await assertReadable(path)))
    for (const uploadId of req.uploads ?? []) refs.push(await this.ctx.images.openUpload(this.uploads.take(uploadId)))
    return refs
  }

  async beginUpload(req: BeginUploadRequest): Promise<UploadStarted> {
    return this.uploads.begin(req)
  }

  async uploadChunk(req: UploadChunkRequest): Promise<UploadProgress> {
    return this.uploads.chunk(req)
  }

  reconstruct = (req: DecodeRequest, job: JobHooks): Promise<ReconstructReport> => reconstructImage(this.ctx, req, job)
  sampleVariance = (req: VarianceRequest, job: JobHooks, onSample: OnSample): Promise<VarianceReport> => sampleVariance(this.ctx, req, job, onSample)
  flipBits = (req: FlipBitsRequest, job: JobHooks): Promise<FlipBitsReport> => flipBits(this.ctx, req, job)
  bitAtlas = (req: BitAtlasRequest, job: JobHooks): Promise<BitAtlasReport> => bitAtlas(this.ctx, req, job)
  trajectory = (req: DecodeRequest, job: JobHooks): Promise<TrajectoryReport> => trajectory(this.ctx, req, job)
  codeBalance = (req: CodeBalanceRequest, job: JobHooks): Promise<CodeBalanceReport> => codeBalance(this.ctx, req, job)
  tokenMap = (req: TokenMapRequest, job: JobHooks): Promise<TokenMapReport> => tokenMap(this.ctx, req, job)
  mixTokens = (req: MixTokensRequest, job: JobHooks): Promise<MixTokensReport> => mixTokens(this.ctx, req, job)
}
