// electron-vite build: main (+ the engine, entered via `?modulePath`), the sandboxed preload (CommonJS), the Svelte renderer.
// Dependencies stay external for main (tfjs, onnxruntime-node load from node_modules), per guide/dependency-handling.md.
import { svelte } from '@sveltejs/vite-plugin-svelte'
import { defineConfig } from 'electron-vite'

export default defineConfig({
  main: {
    // the training-run worker is its own file next to the engine chunk (src/trainer/run-control/worker-entry.ts)
    build: { rollupOptions: { input: { index: 'src/main/index.ts', 'chunks/run-worker': 'src/trainer/run-control/run-worker.ts' } } },
  },
  preload: {
    build: {
      // sandboxed preloads cannot load ES modules or other files: one CommonJS bundle
      externalizeDeps: false,
      rollupOptions: { output: { format: 'cjs', entryFileNames: '[name].cjs' } },
    },
  },
  renderer: {
    plugins: [svelte()],
  },
})
