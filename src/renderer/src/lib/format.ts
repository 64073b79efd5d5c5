// Numbers and names as the views show them: parameter counts, dB, bits per pixel, durations, file names.

/** The last part of a path (either separator). */
export function fileName(path: string): string {
  return path.split(/[\\/]/).at(-1) ?? path
}

/** The folder of a path (either separator). */
export function folderOf(path: string): string {
  return path.replace(/[/\\][^/\\]*$/, '')
}

export function formatCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} B`
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`
  if (n >= 1e3) return `${(n / 1e3).toFixed(1)} k`
  return String(n)
}

export function formatDb(db: number): string {
  return Number.isFinite(db) ? `${db.toFixed(2)} dB` : '∞ dB'
}

export function formatSignedDb(db: number): string {
  return `${db >= 0 ? '+' : '−'}${Math.abs(db).toFixed(3)} dB`
}

export function formatMs(ms: number): string {
  return ms >= 1000 ? `${(ms / 1000).toFixed(2)} s` : `${Math.round(ms)} ms`
}

export function formatFixed(v: number, digits = 4): string {
  return v.toFixed(digits)
}

export function formatDuration(s: number): string {
  if (!Number.isFinite(s) || s < 0) return '—'
  const total = Math.round(s)
  const [h, min, sec] = [Math.floor(total / 3600), Math.floor((total % 3600) / 60), total % 60]
  return h > 0 ? `${h} h ${min} min` : min > 0 ? `${min} min ${sec} s` : `${sec} s`
}
