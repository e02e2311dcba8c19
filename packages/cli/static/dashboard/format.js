// How the page writes peer ids and spans of time.

/** the last 8 characters of a peer id, enough to tell members apart (the full id goes in a title) */
export function shortId (peerId) {
  return typeof peerId === 'string' && peerId.length > 8 ? `…${peerId.slice(-8)}` : String(peerId ?? '')
}

/** `<1 s`, `42 s`, `17 min`, `5 h` */
export function age (ms) {
  const s = Math.max(0, ms) / 1000
  if (s < 1) return '<1 s'
  if (s < 120) return `${Math.floor(s)} s`
  if (s < 7200) return `${Math.floor(s / 60)} min`
  return `${Math.floor(s / 3600)} h`
}
