// Electron main process: app lifecycle, the window (isolated, sandboxed, no Node), the engine host and IPC, and the
// tray that keeps runs training with no window (keep-alive.ts decides). Wired as setup steps, as in Electron Fiddle's main.ts.
import { join } from 'node:path'
import { app, BrowserWindow, Menu, nativeImage, session, shell, Tray } from 'electron'
import icon from '../../resources/icon.png?asset'
import trainerPath from '../trainer/index?modulePath'
import { setupTrainerIpc } from './ipc'
import { KeepAlive, type AppShell, type TrayMenu } from './keep-alive'
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

/** keep-alive.ts's view of the app: windows, the tray icon and quit. */
function appShell(): AppShell {
  let tray: Tray | null = null
  return {
    platform: process.platform,
    windowCount: () => BrowserWindow.getAllWindows().length,
    openWindow: () => void createWindow(),
    showTray(menu: TrayMenu) {
      if (!tray) {
        tray = new Tray(nativeImage.createFromPath(icon).resize({ width: 16, height: 16 }))
        tray.on('click', menu.openWindow) // Windows and macOS; on Linux the menu is the only way in
      }
      tray.setToolTip(menu.tooltip)
      tray.setContextMenu(Menu.buildFromTemplate([
        { label: 'Open FlowMo Studio', click: menu.openWindow },
        { label: 'Stop runs and quit', click: menu.stopRunsAndQuit },
      ]))
    },
    hideTray() {
      tray?.destroy()
      tray = null
    },
    quit: () => app.quit(),
  }
}

async function main(): Promise<void> {
  await app.whenReady()
  denyPermissions()
  const host = new TrainerHost(trainerPath)
  host.start()
  setupTrainerIpc(host)
  createWindow()
  const keepAlive = new KeepAlive(host, appShell())
  app.on('activate', () => BrowserWindow.getAllWindows().length === 0 && keepAlive.openWindow())
  app.on('window-all-closed', () => keepAlive.onAllWindowsClosed())
  app.on('before-quit', (event) => (keepAlive.mayQuit() ? host.stop() : event.preventDefault()))
}

void main()
