// Process boundaries (house style): the renderer never imports the engine, main or Node built-ins;
// the engine never imports electron; shared code imports nothing outside src/shared.
import { readdirSync, readFileSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const root = fileURLToPath(new URL('../..', import.meta.url))
const nodeBuiltins = new Set(['fs', 'path', 'os', 'child_process', 'worker_threads', 'crypto', 'url', 'util', 'module', 'stream', 'events', 'http', 'net'])

function sourceFiles(dir: string): string[] {
  return readdirSync(join(root, dir), { recursive: true, encoding: 'utf8' })
    .filter((f) => /\.(ts|svelte|mts|js|mjs)$/.test(f))
    .map((f) => join(dir, f))
}

/** Every module specifier in `import … from`, `export … from`, `import('…')` and `require('…')`. */
function importsOf(source: string): string[] {
  const patterns = [/\b(?:import|export)\s[^'"]*?\bfrom\s*['"]([^'"]+)['"]/g, /\bimport\s*['"]([^'"]+)['"]/g, /\b(?:import|require)\s*\(\s*['"]([^'"]+)['"]\s*\)/g]
  return patterns.flatMap((p) => [...source.matchAll(p)].map((m) => m[1]))
}

/** Imports of `file` that break `rule`, as "file → specifier". */
function violations(dir: string, rule: (specifier: string, target: string) => boolean): string[] {
  return sourceFiles(dir).flatMap((file) =>
    importsOf(readFileSync(join(root, file), 'utf8'))
      .filter((spec) => rule(spec, spec.startsWith('.') ? relative(root, resolve(root, dirname(file), spec)) : spec))
      .map((spec) => `${file} → ${spec}`),
  )
}

const isNode = (spec: string) => spec.startsWith('node:') || nodeBuiltins.has(spec.split('/')[0])

describe('process boundaries', () => {
  it('finds imports in every form', () => {
    const source = `import a from 'x'\nimport type { B } from "y"\nexport { c } from './z'\nimport './side'\nconst d = await import('w')\nrequire('v')`
    expect(importsOf(source)).toEqual(['x', 'y', './z', './side', 'w', 'v'])
  })

  it('renderer imports neither src/trainer, src/main, nor node modules', () => {
    expect(sourceFiles('src/renderer').length).toBeGreaterThan(0)
    const bad = violations('src/renderer', (spec, target) => isNode(spec) || /^src\/(trainer|main|cli)(\/|$)/.test(target) || spec === 'electron')
    expect(bad).toEqual([])
  })

  it('the engine (src/trainer) never imports electron', () => {
    expect(violations('src/trainer', (spec) => spec === 'electron' || spec.startsWith('electron/'))).toEqual([])
  })

  it('shared code stays plain: no Node, DOM-only or cross-folder imports', () => {
    const bad = violations('src/shared', (spec, target) => isNode(spec) || spec === 'electron' || (spec.startsWith('.') && !target.startsWith('src/shared/')))
    expect(bad).toEqual([])
  })
})
