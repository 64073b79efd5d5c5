// Engine process entry: the TrainerApi service, served by engine-process.ts to Electron's main process or `flowmo serve`.
import { trainerSchemas } from '../shared/protocol'
import { serveEngine } from './engine-process'
import { TrainerService } from './service'

serveEngine((emit) => new TrainerService(emit, process.env.FLOWMO_BACKEND || undefined), trainerSchemas)
