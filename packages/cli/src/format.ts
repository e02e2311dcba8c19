/** Small formatting helpers shared by the verbs' human output. */

/** `...Xy7pLmQ2`: enough of a peer id to tell nodes apart in a table */
export function shortPeerId (peerId: string): string {
  return peerId.length <= 12 ? peerId : `...${peerId.slice(-8)}`
}

export function plural (n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`
}

/** rows of cells, columns padded to the widest cell */
export function table (rows: string[][]): string[] {
  const widths: number[] = []
  for (const row of rows) row.forEach((cell, i) => { widths[i] = Math.max(widths[i] ?? 0, cell.length) })
  return rows.map(row => row.map((cell, i) => i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0)).join('  ').trimEnd())
}

/** a time given as ms, seconds, ISO text or Date, as ISO text */
export function isoTime (value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'number' && Number.isFinite(value)) return new Date(value < 1e12 ? value * 1000 : value).toISOString()
  return typeof value === 'string' ? value : ''
}

/** a JSON value from a daemon, shown as text (`?` when absent) */
export function text (value: unknown): string {
  if (value == null) return '?'
  if (typeof value === 'string') return value
  if (typeof value === 'number' || typeof value === 'boolean') return String(value)
  return JSON.stringify(value)
}

/** a span of time for a table: `<1 s`, `42 s`, `17 min`, `5 h`, `3 d` */
export function formatAge (ms: number): string {
  const s = Math.abs(ms) / 1000
  if (s < 1) return '<1 s'
  if (s < 120) return `${Math.floor(s)} s`
  if (s < 120 * 60) return `${Math.floor(s / 60)} min`
  if (s < 48 * 3600) return `${Math.floor(s / 3600)} h`
  return `${Math.floor(s / 86_400)} d`
}
