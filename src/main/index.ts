// Electron main process: app lifecycle, the window (isolated, sandboxed, no Node), the engine host and IPC.
// Wired as a few setup steps, as in Electron Fiddle's src/main/main.ts.
import { join } from 'node:path'
import { app, BrowserWindow, session, shell } from 'electron'
import icon from '../../resources/icon.png?asset'
import trainerPath from '../trainer/index?modulePath'
import { setupTrainerIpc } from './ipc'
import { TrainerHost } from './trainer-host'

function createWindow(): BrowserWindow {
  const window = new BrowserWindow({
    width: 1280,
    height: 840,
    show: false,
    title: 'FlowMo Studio',
    icon,
    webPreferences: {
      preload: join(import.meta.dirname, '../preload/index.cjs'),
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
    },
  })
  window.once('ready-to-show', () => window.show())
  lockNavigation(window)
  const devUrl = process.env.ELECTRON_RENDERER_URL
  if (!app.isPackaged && devUrl) void window.loadURL(devUrl)
  else void window.loadFile(join(import.meta.dirname, '../renderer/index.html'))
  return window
}

/** The page never navigates away or opens windows; http(s) links open in the user's browser. */
function lockNavigation(window: BrowserWindow): void {
  window.webContents.setWindowOpenHandler(({ url }) => {
    if (/^https?:\/\//.test(url)) void shell.openExternal(url)
    return { action: 'deny' }
  })
  window.webContents.on('will-navigate', (event) => event.preventDefault())
}

function denyPermissions(): void {
  session.defaultSession.setPermissionRequestHandler((_contents, _permission, callback) => callback(false))
}

async function main(): Promise<void> {
  await app.whenReady()
  denyPermissions()
  const host = new TrainerHost(trainerPath)
  host.start()
  setupTrainerIpc(host)
  createWindow()
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && createWindow())
  app.on('window-all-closed', () => process.platform !== 'darwin' && app.quit())
  app.on('before-quit', () => host.stop())
}

void main()
