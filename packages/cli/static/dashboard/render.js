// Renders one picture of the daemon (GET /dashboard/state) into the page's tables, the key-space
// ring and the charts. Text goes in with textContent only: nothing from the realm becomes markup.
import { drawKeySpace } from './keyspace.js'
import { drawCharts } from './charts.js'
import { age, shortId } from './format.js'

const $ = (id) => document.getElementById(id)

function peerCell (peerId, self) {
  const td = document.createElement('td')
  td.className = peerId === self ? 'peer self' : 'peer'
  td.textContent = shortId(peerId) + (peerId === self ? ' (this node)' : '')
  td.title = peerId
  td.dataset.peer = peerId
  return td
}

function textCell (text) {
  const td = document.createElement('td')
  td.textContent = text
  return td
}

/** fills `table` with a header row and one row per item; `cells(item)` gives the row's tds */
function fill (table, headers, items, cells, empty = 'none') {
  const head = document.createElement('tr')
  for (const h of headers) {
    const th = document.createElement('th')
    th.textContent = h
    head.append(th)
  }
  const rows = items.map((item) => {
    const tr = document.createElement('tr')
    tr.append(...cells(item))
    return tr
  })
  if (rows.length === 0) {
    const td = textCell(empty)
    td.colSpan = headers.length
    td.className = 'empty'
    const tr = document.createElement('tr')
    tr.append(td)
    rows.push(tr)
  }
  table.replaceChildren(head, ...rows)
}

function peers (list, self) {
  return list.length === 0 ? '-' : list.map(p => shortId(p) + (p === self ? '*' : '')).join(' ')
}

function button (action, id, peer) {
  const b = document.createElement('button')
  b.className = action
  b.textContent = action
  b.dataset.action = action
  b.dataset.id = id
  b.dataset.peer = peer
  return b
}

export function render (state) {
  const self = state.peerId
  $('role').textContent = state.role
  $('who').textContent = `${shortId(self)} · realm ${state.realmName} · ${state.joined ? 'joined' : 'not joined'} · v${state.version}`
  $('who').title = `${self} in ${state.realm}`
  $('member-count').textContent = `${state.members.length}${state.truncated.members ? ` (+${state.truncated.members} not shown)` : ''}`

  drawKeySpace($('keyspace'), state)
  drawCharts(state)

  fill($('members'), ['peer', 'position', 'bucket', 'routing table', 'latency', 'last seen'], state.members, m => [
    peerCell(m.peerId, self),
    textCell(m.position.toFixed(4)),
    textCell(String(m.bucket)),
    textCell(m.routed ? 'yes' : 'no'),
    textCell(m.latencyMs == null ? '-' : `${m.latencyMs} ms`),
    textCell(`${age(state.at - m.lastSeen)} ago`)
  ], 'no members yet')

  fill($('buckets'), ['bucket (shared bits)', 'peers'], state.buckets, b => [
    textCell(String(b.bucket)),
    textCell(peers(b.peers, self))
  ], 'the routing table is empty')

  fill($('subjects'), ['subject', 'role', 'epoch', 'coordinators', 'matched counterparts'], state.subjects, s => [
    textCell(s.subject),
    textCell(s.role),
    textCell(String(s.epoch)),
    textCell(peers(s.coordinators, self)),
    textCell(s.counterparts.length === 0 ? '-' : s.counterparts.map(c => `${shortId(c.peer)} (${c.role})`).join(' '))
  ], 'no subjects on this node')

  fill($('coordinating'), ['subject key', 'interests held'], state.coordinating, c => [
    textCell(`${c.key.slice(0, 16)}…`),
    textCell(String(c.interests))
  ], 'this node coordinates no subject')

  fill($('bans'), ['peer', 'until', 'reason'], state.bans, b => [
    peerCell(b.peer, self),
    textCell(new Date(b.until).toLocaleString()),
    textCell(b.reason)
  ])

  const leader = state.leader
  $('pending-card').hidden = leader == null
  $('revocations-card').hidden = leader == null
  if (leader == null) return
  fill($('pending'), ['id', 'peer', 'kind', 'waiting', ''], leader.pending, p => {
    const actions = document.createElement('td')
    actions.append(button('approve', p.id, p.peer), button('deny', p.id, p.peer))
    return [textCell(p.id), peerCell(p.peer, self), textCell(p.kind), textCell(age(state.at - Date.parse(p.requestedAt))), actions]
  }, 'nothing waits for approval')
  const revoked = [
    ...leader.revocations.map(r => ({ what: r.jti === '' ? 'every token' : `token ${r.jti.slice(0, 8)}…`, peer: r.peer, at: r.revokedAt, reason: r.reason })),
    ...leader.revokedPeers.map(p => ({ what: 'refused tokens for good', peer: p.peer, at: p.revokedAt, reason: p.reason }))
  ]
  fill($('revocations'), ['peer', 'what', 'since', 'reason'], revoked, r => [
    peerCell(r.peer, self),
    textCell(r.what),
    textCell(new Date(r.at).toLocaleString()),
    textCell(r.reason)
  ], 'no revocations')
}
