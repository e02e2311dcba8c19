// The members on the XOR key space: a ring of 256-bit keys, each member a dot at its fingerprint's
// place (the first 48 bits as a fraction of the ring, clockwise from the top), this node in blue,
// members outside its routing table in amber, coordinators of this node's subjects outlined, a
// faint chord from this node to each member of its routing table. Built with DOM calls (the page's
// CSP allows no inline markup); labels only while they fit.
import { shortId } from './format.js'

const NS = 'http://www.w3.org/2000/svg'
const SIZE = 460
const C = SIZE / 2
const R = 140
/** more members than this and the labels would overlap: dots only */
const MAX_LABELS = 48

function el (name, attrs, text) {
  const node = document.createElementNS(NS, name)
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v))
  if (text != null) node.textContent = text
  return node
}

function at (position, radius) {
  const angle = position * 2 * Math.PI - Math.PI / 2
  return { x: C + radius * Math.cos(angle), y: C + radius * Math.sin(angle) }
}

export function drawKeySpace (container, state) {
  const svg = el('svg', { viewBox: `0 0 ${SIZE} ${SIZE}`, role: 'img', 'aria-label': 'members on the key space' })
  svg.append(el('circle', { class: 'ring', cx: C, cy: C, r: R }))
  for (const [position, label] of [[0, '0'], [0.25, '¼'], [0.5, '½'], [0.75, '¾']]) {
    const inner = at(position, R - 6)
    const outer = at(position, R + 6)
    svg.append(el('line', { class: 'tick', x1: inner.x, y1: inner.y, x2: outer.x, y2: outer.y }))
    const text = at(position, R - 18)
    svg.append(el('text', { x: text.x, y: text.y + 4, 'text-anchor': 'middle' }, label))
  }
  const coordinators = new Set(state.subjects.flatMap(s => s.coordinators))
  const me = at(state.self.position, R)
  for (const m of state.members) {
    if (!m.routed) continue
    const p = at(m.position, R)
    svg.append(el('line', { class: 'chord', x1: me.x, y1: me.y, x2: p.x, y2: p.y }))
  }
  const dots = [{ peerId: state.peerId, position: state.self.position, self: true, routed: true }, ...state.members]
  const labels = dots.length <= MAX_LABELS
  for (const m of dots) {
    const p = at(m.position, R)
    const classes = ['member', m.self ? 'self' : '', m.routed ? '' : 'unrouted', coordinators.has(m.peerId) ? 'coordinator' : ''].filter(c => c !== '').join(' ')
    const dot = el('circle', { class: classes, cx: p.x, cy: p.y, r: m.self ? 7 : 5, 'data-peer': m.peerId })
    dot.append(el('title', {}, `${m.peerId}${m.self ? ' (this node)' : ''}${m.bucket == null ? '' : `, bucket ${m.bucket}`}`))
    svg.append(dot)
    if (labels) {
      const t = at(m.position, R + 26)
      svg.append(el('text', { x: t.x, y: t.y + 4, 'text-anchor': t.x < C - 10 ? 'end' : t.x > C + 10 ? 'start' : 'middle', class: 'member-label' }, shortId(m.peerId)))
    }
  }
  container.replaceChildren(svg)
}
