// The one typed protocol between the UI (renderer / web client / CLI) and the engine (src/trainer).
// Calls are `(req) => Promise<res>`; events are pushes `name → payload`. Only plain data and typed arrays cross.
import type {
  BitAtlasRequest, BundledFiles, CloseModelReport, CloseModelRequest, CodeBalanceRequest, ModelInputReport, ModelInputRequest, DecodeRequest, FileListing, FlipBitsRequest, ImageRef, ListFilesRequest,
  MixTokensRequest, OpenImagesRequest, OpenModelRequest, TokenMapRequest, VarianceRequest, VarianceSampleEvent, BeginUploadRequest, UploadStarted, UploadChunkRequest, UploadProgress,
} from './payloads/inspect'
import type { AblationListing, ListAblationsRequest } from './payloads/ablation'
import { inspectSchemas } from './payloads/inspect-schemas'
import type {
  EncodeCodesRequest, GenerateRequest, GeneratorInfo, GeneratorInfoRequest, GeneratorStepEvent, GenEvalRequest, TrainGeneratorRequest,
} from './payloads/generate'
import { generateSchemas } from './payloads/generate-schemas'
import type { CodeStatsRequest, CompareRequest, DiffEvalReportsRequest, EvalReportDiff, EvaluateRequest, ExportRatingsRequest, ImportRatingsRequest, OpenSweepReport, OpenSweepRequest, SweepCellEvent, SweepOriginalsEvent, SweepRequest } from './payloads/jobs'
import { jobSchemas } from './payloads/jobs-schemas'
import type {
  OpenRunFolderRequest, RunCheckpointEvent, RunDoneEvent, RunErrorEvent, RunHistory, RunInfo, RunLogEvent, RunRequest, RunResumedEvent, RunSampleEvent,
  RunSampleRequest, RunStartEvent, RunStarted, RunStepEvent, RunValidationEvent, StopRunReport, StopRunRequest, TrainingDefaults,
} from './payloads/runs'
import { runSchemas } from './payloads/runs-schemas'
import type { Schemas } from './rpc'
import { s } from './schema'

export type * from './payloads/generate'
export type * from './payloads/inspect'
export type * from './payloads/jobs'
export type * from './payloads/runs'

// ── payloads ─────────────────────────────────────────────────────────────────

/** What the engine computes on; the app's status bar and `flowmo info` show it. */
export interface EngineStatus {
  readonly backend: string // tfjs backend in use, e.g. 'wasm'
  readonly requestedBackend: string | null // from --backend / FLOWMO_BACKEND; null = best available
  readonly threads: number // compute threads the backend uses
  readonly simd: boolean // wasm SIMD in use
  readonly versions: EngineVersions
  readonly notices: readonly string[] // e.g. "tfjs-node not installed; using wasm"
  readonly pid: number // the engine's process id (a restarted engine has a new one)
}

/** onnxruntime's device for the engine's inference sessions (`--device`; the app's setting in the status bar). */
export type DeviceSetting = 'auto' | 'cpu' | 'webgpu' | 'cuda'
export const DEVICE_SETTINGS: readonly DeviceSetting[] = ['auto', 'cpu', 'webgpu', 'cuda']

export interface DeviceStatus {
  readonly requested: DeviceSetting
  readonly line: string // as `flowmo info` prints it, e.g. "webgpu (llvmpipe: Mesa 25.0.7 …; vendor mesa, …)"
  readonly adapter: string | null // the WebGPU adapter's name, when Dawn found one
  readonly error: string | null // why the requested device cannot run (then models open on nothing until changed)
}

/** One export in the onnxruntime cache (the app's ONNX cache list; `flowmo cache ls`). */
export interface ExportCacheEntry {
  readonly key: string
  readonly bytes: number
  readonly lastUsed: string // ISO time
  readonly checkpoint: string | null
  readonly model: string | null
}

export interface ExportCacheRequest {
  readonly remove?: readonly string[] // keys to remove first
  readonly pruneMaxGb?: number // then remove the least recently used until at most this much is left
}

export interface ExportCacheReport {
  readonly dir: string
  readonly entries: readonly ExportCacheEntry[] // most recently used first, after any removal
  readonly totalBytes: number
  readonly removed: readonly string[]
}

export interface EngineVersions {
  readonly flowmo: string
  readonly tfjs: string
  readonly onnxruntime: string | null // null when onnxruntime-node is not installed
  readonly node: string
  readonly electron: string | null // null outside Electron (CLI, web mode)
}

/** Reply of every job call. Subscribe to job:* events before the call: the first ones may arrive with this reply. */
export interface JobStarted {
  readonly jobId: string
}

export interface CancelRequest {
  readonly jobId: string
}

export interface CancelReport {
  readonly cancelled: boolean // false when the job had already ended or never existed
}

// ── events ───────────────────────────────────────────────────────────────────

export interface JobProgressEvent {
  readonly jobId: string
  readonly done: number
  readonly total: number
  readonly message: string
}

export interface JobDoneEvent {
  readonly jobId: string
  readonly result: unknown // the job's report; its type is named by the call that started it
}

export interface JobErrorEvent {
  readonly jobId: string
  readonly message: string
  readonly code: string // 'cancelled' when cancelJob stopped it
}

export type EngineState = 'ready' | 'restarting' | 'stopped'

/** Engine life: 'ready' when serving, 'restarting' after a crash, 'stopped' once it gave up. */
export interface EngineStateEvent {
  readonly state: EngineState
  readonly message: string
}

// ── the API ──────────────────────────────────────────────────────────────────

export interface TrainerApi {
  status(req: void): Promise<EngineStatus>
  setDevice(req: { device: DeviceSetting }): Promise<DeviceStatus> // for models opened and onnxruntime-engine runs started from now on
  exportCache(req: ExportCacheRequest): Promise<ExportCacheReport> // lists the ONNX cache, removing or pruning first
  cancelJob(req: CancelRequest): Promise<CancelReport>
  // inspector (src/trainer/inspect); jobs end in job:done with the report named after →
  listFiles(req: ListFilesRequest): Promise<FileListing>
  bundled(req: void): Promise<BundledFiles>
  openModel(req: OpenModelRequest): Promise<JobStarted> // a checkpoint's first open exports it to ONNX (job:progress per step) → ModelSummary
  closeModel(req: CloseModelRequest): Promise<CloseModelReport>
  beginUpload(req: BeginUploadRequest): Promise<UploadStarted> // a dropped file, in chunks (payloads/inspect.ts)
  uploadChunk(req: UploadChunkRequest): Promise<UploadProgress>
  openImages(req: OpenImagesRequest): Promise<ImageRef[]>
  modelInput(req: ModelInputRequest): Promise<ModelInputReport> // the original at the model size, shown before any decode
  reconstruct(req: DecodeRequest): Promise<JobStarted> // → ReconstructReport
  sampleVariance(req: VarianceRequest): Promise<JobStarted> // inspect:sample per sample → VarianceReport
  flipBits(req: FlipBitsRequest): Promise<JobStarted> // → FlipBitsReport
  bitAtlas(req: BitAtlasRequest): Promise<JobStarted> // → BitAtlasReport
  trajectory(req: DecodeRequest): Promise<JobStarted> // → TrajectoryReport
  codeBalance(req: CodeBalanceRequest): Promise<JobStarted> // → CodeBalanceReport
  tokenMap(req: TokenMapRequest): Promise<JobStarted> // → TokenMapReport
  mixTokens(req: MixTokensRequest): Promise<JobStarted> // → MixTokensReport
  // training runs (src/trainer/run-control): they live in the engine; run:* events carry the runId
  startRun(req: RunRequest): Promise<RunStarted>
  stopRun(req: StopRunRequest): Promise<StopRunReport>
  listRuns(req: void): Promise<RunInfo[]>
  openRunFolder(req: OpenRunFolderRequest): Promise<RunHistory>
  runSample(req: RunSampleRequest): Promise<RunSampleEvent> // a sample PNG of a run folder as pixels (runId '')
  trainingDefaults(req: void): Promise<TrainingDefaults> // presets, defaultRunOptions per stage, perceptual kinds, engines
  listAblations(req: ListAblationsRequest): Promise<AblationListing> // `flowmo ablate` outputs at a folder or one level below
  // evaluation jobs (src/trainer/jobs)
  evaluate(req: EvaluateRequest): Promise<JobStarted> // → EvaluateResult
  diffEvalReports(req: DiffEvalReportsRequest): Promise<EvalReportDiff> // two saved report.json files
  codeStats(req: CodeStatsRequest): Promise<JobStarted> // → CodeStatsReport
  sweep(req: SweepRequest): Promise<JobStarted> // sweep:originals, then sweep:cell per cell → SweepResult
  openSweep(req: OpenSweepRequest): Promise<OpenSweepReport> // a saved sweep JSON, its image grid inline
  compare(req: CompareRequest): Promise<JobStarted> // → CompareReport
  exportRatings(req: ExportRatingsRequest): Promise<JobStarted> // → ExportReport
  importRatings(req: ImportRatingsRequest): Promise<JobStarted> // → RatingReport
  // Stage 2 (src/trainer/stage2): codes, a MaskGiT, samples and their metrics
  encodeCodes(req: EncodeCodesRequest): Promise<JobStarted> // → EncodeCodesReport
  trainGenerator(req: TrainGeneratorRequest): Promise<JobStarted> // gen:step per step → TrainGeneratorReport; cancel ends it with a checkpoint
  generatorInfo(req: GeneratorInfoRequest): Promise<GeneratorInfo>
  generate(req: GenerateRequest): Promise<JobStarted> // → GenerateReport
  genEval(req: GenEvalRequest): Promise<JobStarted> // → GenEvalReport
}

export interface TrainerEvents {
  'job:progress': JobProgressEvent
  'job:done': JobDoneEvent
  'job:error': JobErrorEvent
  'run:step': RunStepEvent
  'run:start': RunStartEvent
  'run:sample': RunSampleEvent
  'run:validation': RunValidationEvent
  'run:checkpoint': RunCheckpointEvent
  'run:log': RunLogEvent
  'run:done': RunDoneEvent
  'run:error': RunErrorEvent
  'run:resumed': RunResumedEvent
  'sweep:originals': SweepOriginalsEvent
  'sweep:cell': SweepCellEvent
  'engine:status': EngineStateEvent
  'inspect:sample': VarianceSampleEvent
  'gen:step': GeneratorStepEvent
}

/** Runtime list of the calls; the compiler checks it against TrainerApi. */
export const trainerMethods = {
  status: true,
  setDevice: true,
  exportCache: true,
  cancelJob: true,
  listFiles: true,
  bundled: true,
  openModel: true,
  closeModel: true,
  beginUpload: true,
  uploadChunk: true,
  openImages: true,
  modelInput: true,
  reconstruct: true,
  sampleVariance: true,
  flipBits: true,
  bitAtlas: true,
  trajectory: true,
  codeBalance: true,
  tokenMap: true,
  mixTokens: true,
  startRun: true,
  stopRun: true,
  listRuns: true,
  openRunFolder: true,
  runSample: true,
  trainingDefaults: true,
  listAblations: true,
  evaluate: true,
  diffEvalReports: true,
  codeStats: true,
  sweep: true,
  openSweep: true,
  compare: true,
  exportRatings: true,
  importRatings: true,
  encodeCodes: true,
  trainGenerator: true,
  generatorInfo: true,
  generate: true,
  genEval: true,
} as const satisfies Record<keyof TrainerApi, true>

/** Every call's request is validated against these in the receiving process. */
export const trainerSchemas: Schemas<TrainerApi> = {
  status: s.none,
  setDevice: s.object({ device: s.literal(...DEVICE_SETTINGS) }),
  exportCache: s.object({ remove: s.optional(s.array(s.string(64), 1000)), pruneMaxGb: s.optional(s.number({ min: 0, max: 1e6 })) }),
  cancelJob: s.object({ jobId: s.string(100) }),
  ...inspectSchemas,
  ...runSchemas,
  ...jobSchemas,
  ...generateSchemas,
}
