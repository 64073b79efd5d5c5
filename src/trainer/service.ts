// The engine's implementation of TrainerApi (src/shared/protocol.ts): status, jobs with progress and cancellation.
// Runs in Electron's utility process, in `flowmo serve`, or in-process for the CLI.
import type {
  BitAtlasRequest, BundledFiles, CancelReport, CancelRequest, CloseModelReport, CloseModelRequest, CodeBalanceRequest, ModelInputReport, ModelInputRequest, DecodeRequest,
  DeviceSetting, DeviceStatus, ExportCacheReport, ExportCacheRequest, EngineStatus, FileListing, FlipBitsRequest, ImageRef, JobStarted, ListFilesRequest,
  MixTokensRequest, OpenImagesRequest, OpenModelRequest, TokenMapRequest, TrainerApi, TrainerEvents, VarianceRequest, BeginUploadRequest, UploadStarted, UploadChunkRequest, UploadProgress,
  CodeStatsRequest, DiffEvalReportsRequest, EvalReportDiff, EvaluateRequest, OpenRunFolderRequest, RunHistory, RunInfo, RunRequest, RunSampleEvent, RunSampleRequest, RunStarted, StopRunReport,
  StopRunRequest, TrainingDefaults, SweepRequest, CompareRequest, ExportRatingsRequest, ImportRatingsRequest, OpenSweepRequest, OpenSweepReport,
  EncodeCodesRequest, GenerateRequest, GeneratorInfo, GeneratorInfoRequest, GenEvalRequest, TrainGeneratorRequest,
} from '../shared/protocol'
import type { AblationListing, ListAblationsRequest } from '../shared/payloads/ablation'
import type { Emit } from '../shared/rpc'
import { listAblations } from './ablate/open-ablations'
import { engineStatus } from './engine-status'
import { listExportCache, pruneExportCache, removeExports } from './export/cache-admin'
import { defaultExportCacheDir } from './export/export-cache'
import { Inspector } from './inspect/inspector'
import { compareJob, exportRatingsJob, importRatingsJob } from './jobs/baseline-jobs'
import { codeStatsJob } from './jobs/code-stats-job'
import { Jobs } from './jobs/jobs'
import { diffEvalReports, evaluateJob } from './jobs/evaluate-job'
import { encodeCodesJob, generateJob, generatorInfo, genEvalJob, trainGeneratorJob } from './jobs/generate-jobs'
import { sweepJob } from './jobs/sweep-job'
import { openRunFolder, runSample } from './run-control/run-folder'
import { RunRegistry } from './run-control/run-registry'
import { trainingDefaults } from './run-control/training-defaults'
import { openSweep } from './sweep/open-sweep'

export class TrainerService implements TrainerApi {
  protected readonly jobs: Jobs // started by the calls below; cancelJob ends one
  private readonly inspector = new Inspector()
  private readonly runs: RunRegistry

  constructor(private readonly emit: Emit<TrainerEvents>, private readonly requestedBackend?: string) {
    this.jobs = new Jobs(emit)
    this.runs = new RunRegistry(emit, requestedBackend)
  }

  status(): Promise<EngineStatus> {
    return engineStatus(this.requestedBackend)
  }

  /** The onnxruntime export cache, after removing `remove` and pruning to `pruneMaxGb` (as `flowmo cache`). */
  async exportCache(req: ExportCacheRequest): Promise<ExportCacheReport> {
    const dir = defaultExportCacheDir()
    const removed = req.remove?.length ? (await removeExports(dir, req.remove)).map((e) => e.key) : []
    if (req.pruneMaxGb !== undefined) removed.push(...(await pruneExportCache(dir, req.pruneMaxGb * 1e9)).removed.map((e) => e.key))
    const entries = (await listExportCache(dir)).map(({ key, bytes, lastUsed, checkpoint, model }) => ({ key, bytes, lastUsed, checkpoint, model }))
    return { dir, entries, totalBytes: entries.reduce((n, e) => n + e.bytes, 0), removed }
  }

  /** Sets FLOWMO_DEVICE in the engine: every onnxruntime session opened from now on uses it (models, onnxruntime-engine runs). */
  async setDevice(req: { device: DeviceSetting }): Promise<DeviceStatus> {
    process.env.FLOWMO_DEVICE = req.device
    const { deviceReport, formatDevice } = await import('./export/device-report') // loads onnxruntime-node
    try {
      const r = await deviceReport(req.device)
      return { requested: req.device, line: formatDevice(r), adapter: r.adapter?.name ?? null, error: null }
    } catch (e) {
      return { requested: req.device, line: `${req.device} (unavailable)`, adapter: null, error: (e as Error).message.split('\n')[0] }
    }
  }

  async cancelJob(req: CancelRequest): Promise<CancelReport> {
    return { cancelled: this.jobs.cancel(req.jobId) }
  }

  // ── inspector (src/trainer/inspect) ──

  listFiles(req: ListFilesRequest): Promise<FileListing> {
    return this.inspector.listFiles(req)
  }

  bundled(): Promise<BundledFiles> {
    return this.inspector.bundled()
  }

  async openModel(req: OpenModelRequest): Promise<JobStarted> {
    return this.jobs.start('open', async (signal, progress) => {
      const { backend } = await this.status() // the backend must be up before weights become tensors
      return this.inspector.openModel(req, backend, { signal, progress })
    })
  }

  closeModel(req: CloseModelRequest): Promise<CloseModelReport> {
    return this.inspector.closeModel(req)
  }

  async modelInput(req: ModelInputRequest): Promise<ModelInputReport> {
    return this.inspector.modelInput(req)
  }

  beginUpload(req: BeginUploadRequest): Promise<UploadStarted> {
    return this.inspector.beginUpload(req)
  }

  uploadChunk(req: UploadChunkRequest): Promise<UploadProgress> {
    return this.inspector.uploadChunk(req)
  }

  openImages(req: OpenImagesRequest): Promise<ImageRef[]> {
    return this.inspector.openImages(req)
  }

  async reconstruct(req: DecodeRequest): Promise<JobStarted> {
    return this.jobs.start('reconstruct', (signal, progress) => this.inspector.reconstruct(req, { signal, progress }))
  }

  async sampleVariance(req: VarianceRequest): Promise<JobStarted> {
    const started = this.jobs.start('variance', (signal, progress) =>
      this.inspector.sampleVariance(req, { signal, progress }, (index, seed, image, psnr) =>
        this.emit('inspect:sample', { jobId: started.jobId, index, k: req.k, seed, psnr, ...image })),
    )
    return started
  }

  async flipBits(req: FlipBitsRequest): Promise<JobStarted> {
    return this.jobs.start('flip', (signal, progress) => this.inspector.flipBits(req, { signal, progress }))
  }

  async bitAtlas(req: BitAtlasRequest): Promise<JobStarted> {
    return this.jobs.start('atlas', (signal, progress) => this.inspector.bitAtlas(req, { signal, progress }))
  }

  async trajectory(req: DecodeRequest): Promise<JobStarted> {
    return this.jobs.start('trajectory', (signal, progress) => this.inspector.trajectory(req, { signal, progress }))
  }

  async codeBalance(req: CodeBalanceRequest): Promise<JobStarted> {
    return this.jobs.start('balance', (signal, progress) => this.inspector.codeBalance(req, { signal, progress }))
  }

  async tokenMap(req: TokenMapRequest): Promise<JobStarted> {
    return this.jobs.start('token-map', (signal, progress) => this.inspector.tokenMap(req, { signal, progress }))
  }

  async mixTokens(req: MixTokensRequest): Promise<JobStarted> {
    return this.jobs.start('mix', (signal, progress) => this.inspector.mixTokens(req, { signal, progress }))
  }

  // ── training runs (src/trainer/run-control), each in a worker thread ──

  startRun(req: RunRequest): Promise<RunStarted> {
    return this.runs.start(req)
  }

  async stopRun(req: StopRunRequest): Promise<StopRunReport> {
    return { stopping: this.runs.stop(req.runId) }
  }

  async listRuns(): Promise<RunInfo[]> {
    return this.runs.list()
  }

  openRunFolder(req: OpenRunFolderRequest): Promise<RunHistory> {
    return openRunFolder(req.dir, (dir) => this.runs.runIn(dir))
  }

  listAblations(req: ListAblationsRequest): Promise<AblationListing> {
    return listAblations(req.dir)
  }

  runSample(req: RunSampleRequest): Promise<RunSampleEvent> {
    return runSample(req.dir, req.step)
  }

  async trainingDefaults(): Promise<TrainingDefaults> {
    return trainingDefaults()
  }

  // ── evaluation jobs (src/trainer/jobs) ──

  async evaluate(req: EvaluateRequest): Promise<JobStarted> {
    return this.jobs.start('eval', async (signal, progress) => (await this.status(), evaluateJob(req, { signal, progress })))
  }

  diffEvalReports(req: DiffEvalReportsRequest): Promise<EvalReportDiff> {
    return diffEvalReports(req)
  }

  async codeStats(req: CodeStatsRequest): Promise<JobStarted> {
    return this.jobs.start('code-stats', async (signal, progress) => (await this.status(), codeStatsJob(req, { signal, progress })))
  }

  async sweep(req: SweepRequest): Promise<JobStarted> {
    const started = this.jobs.start('sweep', async (signal, progress) => {
      await this.status()
      return sweepJob(req, { signal, progress }, {
        onOriginals: (images, notices) => this.emit('sweep:originals', { jobId: started.jobId, images, notices }),
        onCell: (cell, index, resumed) => this.emit('sweep:cell', { jobId: started.jobId, index, cell, resumed }),
      })
    })
    return started
  }

  openSweep(req: OpenSweepRequest): Promise<OpenSweepReport> {
    return openSweep(req.path)
  }

  async compare(req: CompareRequest): Promise<JobStarted> {
    return this.jobs.start('compare', async (signal, progress) => (await this.status(), compareJob(req, { signal, progress })))
  }

  async exportRatings(req: ExportRatingsRequest): Promise<JobStarted> {
    return this.jobs.start('export', async (signal, progress) => (await this.status(), exportRatingsJob(req, { signal, progress })))
  }

  async importRatings(req: ImportRatingsRequest): Promise<JobStarted> {
    return this.jobs.start('import', (signal, progress) => importRatingsJob(req, { signal, progress }))
  }

  // ── Stage 2 (src/trainer/jobs/generate-jobs.ts); the tokenizer is a model the inspector opened ──

  async encodeCodes(req: EncodeCodesRequest): Promise<JobStarted> {
    const tokenizer = this.inspector.ctx.models.get(req.modelId).model
    return this.jobs.start('encode', (signal, progress) => encodeCodesJob(tokenizer, req, { signal, progress }))
  }

  async trainGenerator(req: TrainGeneratorRequest): Promise<JobStarted> {
    const started = this.jobs.start('generator', async (signal, progress) => {
      await this.status() // the backend must be up before weights become tensors
      return trainGeneratorJob(req, { signal, progress }, (e) => this.emit('gen:step', { jobId: started.jobId, ...e }))
    })
    return started
  }

  generatorInfo(req: GeneratorInfoRequest): Promise<GeneratorInfo> {
    return generatorInfo(req)
  }

  async generate(req: GenerateRequest): Promise<JobStarted> {
    const tokenizer = this.inspector.ctx.models.get(req.modelId).model
    return this.jobs.start('generate', async (signal, progress) => (await this.status(), generateJob(tokenizer, req, { signal, progress })))
  }

  async genEval(req: GenEvalRequest): Promise<JobStarted> {
    return this.jobs.start('gen-eval', async (signal, progress) => (await this.status(), genEvalJob(req, { signal, progress })))
  }
}
