// The rating page's script (plain browser JS, inlined by page.ts): trials = every pair of reconstruction tokens per
// image, shuffled, left/right drawn per trial; 2AFC with the original always shown, and a flip view that swaps
// left/right in place. Progress survives a reload (localStorage); ratings (tokens only) are saved as a JSON download.
import { ratingsFormat, ratingsVersion } from './manifest'

export const ratingPageScript = String.raw`
'use strict'
var data = JSON.parse(document.getElementById('export-data').textContent)
var storeKey = 'ratings:' + data.exportId
var byId = {}
data.images.forEach(function (img) { byId[img.id] = img })
function $(id) { return document.getElementById(id) }
function randomInt(n) { var a = new Uint32Array(1); crypto.getRandomValues(a); return a[0] % n }
function src(token) { return 'images/' + token + '.png' }
function randomId() { var s = ''; for (var i = 0; i < 4; i++) s += randomInt(0x10000).toString(16).padStart(4, '0'); return s }

function newSession() {
  var trials = []
  data.images.forEach(function (img) {
    img.pairs.forEach(function (pair) {
      var swap = randomInt(2) === 1
      trials.push({ image: img.id, pair: pair, left: swap ? pair[1] : pair[0], right: swap ? pair[0] : pair[1] })
    })
  })
  for (var k = trials.length - 1; k > 0; k--) { var r = randomInt(k + 1); var t = trials[k]; trials[k] = trials[r]; trials[r] = t }
  return { sessionId: randomId(), startedAt: new Date().toISOString(), rater: '', trials: trials, ratings: [] }
}
function loadSession() {
  try { var s = JSON.parse(localStorage.getItem(storeKey)); if (s && s.trials && s.ratings) return s } catch (e) {}
  return null
}
function persist() { try { localStorage.setItem(storeKey, JSON.stringify(state)) } catch (e) {} }

var state = loadSession() || newSession()
var trialStart = 0
var flips = 0
var view = 'left'

function current() { return state.trials[state.ratings.length] }

function show() {
  var t = current()
  var n = state.trials.length
  $('progress').max = n
  $('progress').value = state.ratings.length
  $('progress-text').textContent = Math.min(state.ratings.length + 1, n) + ' / ' + n
  $('rater').value = state.rater
  $('trial').hidden = !t
  $('done').hidden = !!t
  if (!t) { $('done-count').textContent = String(state.ratings.length); return }
  $('left').src = src(t.left)
  $('right').src = src(t.right)
  $('original').src = src(byId[t.image].original)
  flips = 0
  setView('left', false)
  trialStart = performance.now()
  var next = state.trials[state.ratings.length + 1]
  if (next) [byId[next.image].original, next.left, next.right].forEach(function (token) { new Image().src = src(token) })
}

function setView(v, counted) {
  var t = current()
  if (!t) return
  if (counted && v !== view) flips++
  view = v
  $('flip').src = src(v === 'original' ? byId[t.image].original : t[v])
  $('flip-label').textContent = v === 'original' ? 'Original' : v === 'left' ? 'Left' : 'Right'
  $('flip-count').textContent = String(flips)
}
function flip() { setView(view === 'left' ? 'right' : 'left', true) }

function choose(side) {
  var t = current()
  if (!t) return
  state.ratings.push({
    trial: state.ratings.length, image: t.image, pair: t.pair, left: t.left, right: t.right, side: side, choice: t[side],
    ms: Math.round(performance.now() - trialStart), flips: flips, at: new Date().toISOString()
  })
  persist()
  show()
}
function undo() { if (state.ratings.length > 0) { state.ratings.pop(); persist(); show() } }

function save() {
  var out = {
    format: '${ratingsFormat}', version: ${ratingsVersion}, exportId: data.exportId, sessionId: state.sessionId, rater: state.rater,
    startedAt: state.startedAt, savedAt: new Date().toISOString(), userAgent: navigator.userAgent,
    trials: state.trials.length, ratings: state.ratings
  }
  var a = document.createElement('a')
  a.href = URL.createObjectURL(new Blob([JSON.stringify(out, null, 1)], { type: 'application/json' }))
  a.download = 'ratings-' + (state.rater || 'anonymous').replace(/[^A-Za-z0-9_-]+/g, '_') + '-' + state.sessionId.slice(0, 8) + '.json'
  document.body.appendChild(a)
  a.click()
  a.remove()
  setTimeout(function () { URL.revokeObjectURL(a.href) }, 1000)
}
function restart() {
  if (!confirm('Discard the ratings of this session and start again?')) return
  state = newSession()
  persist()
  show()
}

$('choose-left').onclick = function () { choose('left') }
$('choose-right').onclick = function () { choose('right') }
$('flip-button').onclick = flip
$('original-button').onclick = function () { setView('original', true) }
$('undo').onclick = undo
$('save').onclick = save
$('save-done').onclick = save
$('restart').onclick = restart
$('rater').oninput = function (e) { state.rater = e.target.value; persist() }
document.addEventListener('keydown', function (e) {
  if (e.target instanceof HTMLInputElement || e.ctrlKey || e.metaKey || e.altKey) return
  var k = e.key
  if (k === 'ArrowLeft' || k === '1') choose('left')
  else if (k === 'ArrowRight' || k === '2') choose('right')
  else if (k === ' ' || k === 'f' || k === 'F') flip()
  else if (k === 'o' || k === 'O') setView('original', true)
  else if (k === 'z' || k === 'Z' || k === 'Backspace') undo()
  else if (k === 's' || k === 'S') save()
  else return
  e.preventDefault()
})
show()
`
