// Types for electron-vite's import suffixes used by the main process (`?asset`, `?modulePath`).
/// <reference types="electron-vite/node" />
