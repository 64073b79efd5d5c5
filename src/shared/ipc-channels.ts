// Electron IPC channel names shared by main and preload (as Electron Fiddle's src/ipc-events.ts).
import type { TrainerApi } from './protocol'

export const callChannel = (method: keyof TrainerApi & string): string => `trainer:${method}` // renderer → main, invoke
export const pushChannel = 'trainer:push' // main → renderer: every engine event, as a Push message
export const pickFilesChannel = 'desktop:pickFiles' // renderer → main, invoke: a native open dialog (not an engine call)
