// The self-contained rating page (rater/index.html) of an export: inline CSS and script (page-script.ts), the trial
// data as inline JSON, images by relative path (images/<token>.png), so it works opened from the folder (file://)
// with no network. It sees only PageData: opaque tokens, never method ids, labels, paths or rates.
import { ratingPageScript } from './page-script'

/** What the page needs (rater-folder.ts builds it from the manifest): per image its id, the original's token and the
 * pairs of reconstruction tokens to compare, in random order. */
export interface PageData {
  readonly exportId: string
  readonly title: string
  readonly imageSizePx: number
  readonly images: readonly { readonly id: string; readonly original: string; readonly pairs: readonly (readonly [string, string])[] }[]
}

const escapeHtml = (s: string): string => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`)

/** JSON safe inside <script>: no `</script>` or `<!--` can close or open anything. */
const inlineJson = (v: unknown): string => JSON.stringify(v).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029')

/** Small images are shown enlarged by an integer factor (pixelated) towards 240 px, so four fit side by side. */
const displayPx = (sizePx: number): number => sizePx * Math.max(1, Math.floor(240 / sizePx))

const style = `
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #1e1e1e; color: #eee; }
  header { display: flex; gap: 1em; align-items: center; padding: .6em 1em; background: #2b2b2b; flex-wrap: wrap; }
  header h1 { font-size: 1.05em; margin: 0; flex: 1; }
  main, #done { padding: 1em; text-align: center; }
  .question { font-size: 1.15em; margin: .2em 0 .8em; }
  .row { display: flex; gap: 1.2em; justify-content: center; align-items: flex-start; flex-wrap: wrap; }
  figure { margin: 0; }
  figure img { image-rendering: pixelated; background: #000; display: block; }
  .flipview img { outline: 3px solid #6aa0ff; }
  figcaption { margin-top: .3em; color: #bbb; }
  .buttons { margin: 1em 0; display: flex; gap: .6em; justify-content: center; flex-wrap: wrap; }
  button { font: inherit; padding: .5em 1em; border-radius: 6px; border: 1px solid #555; background: #333; color: #eee; cursor: pointer; }
  button.choice { background: #2d4a7a; border-color: #6aa0ff; }
  .help { color: #999; font-size: .9em; }
  kbd { border: 1px solid #666; border-radius: 3px; padding: 0 .3em; }
`

/** The trial view: the four panels, the choice buttons and the key help. */
function trialMarkup(sizePx: number): string {
  const px = displayPx(sizePx)
  const img = (id: string, alt: string): string => `<img id="${id}" alt="${alt}" width="${px}" height="${px}">`
  return `<main id="trial">
  <p class="question">Which reconstruction, left or right, is closer to the original?</p>
  <div class="row">
    <figure>${img('left', 'left candidate')}<figcaption>Left: <kbd>1</kbd> or <kbd>←</kbd></figcaption></figure>
    <figure>${img('original', 'original')}<figcaption>Original</figcaption></figure>
    <figure>${img('right', 'right candidate')}<figcaption>Right: <kbd>2</kbd> or <kbd>→</kbd></figcaption></figure>
    <figure class="flipview">${img('flip', 'flip view')}<figcaption>Flip view: <span id="flip-label">Left</span> · flips: <span id="flip-count">0</span></figcaption></figure>
  </div>
  <div class="buttons">
    <button class="choice" id="choose-left">Left is closer</button>
    <button id="flip-button">Flip left/right (Space)</button>
    <button id="original-button">Original (O)</button>
    <button class="choice" id="choose-right">Right is closer</button>
  </div>
  <p class="help"><kbd>Space</kbd> flips the flip view (right) between the left and right images in place; <kbd>O</kbd> shows
  the original there. <kbd>Z</kbd> undoes the last choice, <kbd>S</kbd> saves. Progress is kept in this browser if the page is reloaded.</p>
</main>`
}

export function ratingPageHtml(data: PageData): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src 'self' file: blob: data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'">
<title>Rate: ${escapeHtml(data.title)}</title>
<style>${style}</style>
</head>
<body>
<header>
  <h1>${escapeHtml(data.title)}</h1>
  <span>Trial <span id="progress-text"></span></span> <progress id="progress"></progress>
  <label>Rater <input id="rater" placeholder="name or code" size="12"></label>
  <button id="undo" title="Z">Undo</button> <button id="save" title="S">Save ratings</button> <button id="restart">Restart</button>
</header>
${trialMarkup(data.imageSizePx)}
<section id="done" hidden>
  <p class="question">All <span id="done-count"></span> trials rated. Thank you!</p>
  <p><button class="choice" id="save-done">Save ratings (JSON file)</button></p>
  <p class="help">Send the downloaded file to the person who ran this study.</p>
</section>
<script type="application/json" id="export-data">${inlineJson(data)}</script>
<script>${ratingPageScript}</script>
</body>
</html>
`
}
