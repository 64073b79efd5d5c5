// The rating page's script (plain browser JS, inlined by page.ts): trials = every method pair per image, shuffled,
// left/right drawn per trial; 2AFC with the original always shown, and a flip view that swaps left/right in place.
// Progress survives a reload (localStorage); ratings are saved as a JSON download. No network, no libraries.
export const ratingPageScript = String.raw`
'use strict'
var data = JSON.parse(document.getElementById('export-data').textContent)
var storeKey = 'flowmo-ratings:' + data.exportId
var byId = {}
data.images.forEach(function (img) { byId[img.id] = img })
function $(id) { return document.getElementById(id) }
function randomInt(n) { var a = new Uint32Array(1); crypto.getRandomValues(a); return a[0] % n }
function randomId() { var s = ''; for (var i = 0; i < 4; i++) s += randomInt(0x10000).toString(16).padStart(4, '0'); return s }

function newSession() {
  var trials = []
  data.images.forEach(function (img) {
    for (var i = 0; i < data.methods.length; i++) {
      for (var j = i + 1; j < data.methods.length; j++) {
        var pair = [data.methods[i], data.methods[j]]
        var swap = randomInt(2) === 1
        trials.push({ image: img.id, pair: pair, left: swap ? pair[1] : pair[0], right: swap ? pair[0] : pair[1] })
      }
    }
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
  var img = byId[t.image]
  $('left').src = img.recon[t.left]
  $('right').src = img.recon[t.right]
  $('original').src = img.original
  flips = 0
  setView('left', false)
  trialStart = performance.now()
  var next = state.trials[state.ratings.length + 1]
  if (next) [byId[next.image].original, byId[next.image].recon[next.left], byId[next.image].recon[next.right]].forEach(function (src) { new Image().src = src })
}

function setView(v, counted) {
  var t = current()
  if (!t) return
  if (counted && v !== view) flips++
  view = v
  var img = byId[t.image]
  $('flip').src = v === 'original' ? img.original : img.recon[t[v]]
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
    format: 'flowmo-ratings', version: 1, exportId: data.exportId, sessionId: state.sessionId, rater: state.rater,
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
