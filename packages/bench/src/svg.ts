/**
 * Charts as plain SVG text, no chart library: a line chart (x, y points per series) and a CDF of
 * raw samples. Series are coloured in order; the k-th dashed series takes the colour of the k-th
 * solid one (so "realmesh p50" and "realmesh p99" match).
 */
import { percentile } from './stats.js'

export interface ChartSeries {
  label: string
  points?: Array<[number, number]>
  samples?: number[]
  dashed?: boolean
}

export interface ChartInit {
  title: string
  xLabel: string
  yLabel: string
  series: ChartSeries[]
}

const WIDTH = 760
const HEIGHT = 420
const MARGIN = { left: 70, right: 210, top: 44, bottom: 56 }
const PALETTE = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#8c564b']

export function escapeXml (text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/** about `count` round tick values covering [0, max] (1, 2 or 5 times a power of ten apart) */
export function niceTicks (max: number, count = 5): number[] {
  if (!(max > 0) || !Number.isFinite(max)) return [0, 1]
  const raw = max / count
  const power = 10 ** Math.floor(Math.log10(raw))
  const step = [1, 2, 5, 10].map(m => m * power).find(s => s >= raw) ?? 10 * power
  const ticks: number[] = []
  for (let v = 0; v < max + step * 0.999; v += step) ticks.push(Number(v.toPrecision(12)))
  return ticks
}

function formatTick (v: number): string {
  if (v === 0) return '0'
  if (Math.abs(v) >= 1000) return `${Number((v / 1000).toPrecision(3))}k`
  return String(Number(v.toPrecision(3)))
}

function colours (series: ChartSeries[]): string[] {
  let solid = 0
  let dashed = 0
  return series.map(s => s.dashed === true ? PALETTE[dashed++ % PALETTE.length] ?? '#000' : PALETTE[solid++ % PALETTE.length] ?? '#000')
}

function frame (init: ChartInit, xMax: number, yMax: number, body: (x: (v: number) => number, y: (v: number) => number) => string[], subtitle?: string): string {
  const plotW = WIDTH - MARGIN.left - MARGIN.right
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom
  const xTicks = niceTicks(xMax)
  const yTicks = niceTicks(yMax)
  const xTop = xTicks[xTicks.length - 1] ?? 1
  const yTop = yTicks[yTicks.length - 1] ?? 1
  const x = (v: number): number => MARGIN.left + (Math.min(v, xTop) / xTop) * plotW
  const y = (v: number): number => MARGIN.top + plotH - (Math.min(v, yTop) / yTop) * plotH
  const out: string[] = [
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${HEIGHT}" viewBox="0 0 ${WIDTH} ${HEIGHT}" font-family="sans-serif" font-size="12">`,
    `<rect x="0" y="0" width="${WIDTH}" height="${HEIGHT}" fill="#ffffff"/>`,
    `<text x="${MARGIN.left}" y="22" font-size="15" font-weight="bold">${escapeXml(init.title)}</text>`
  ]
  if (subtitle != null) out.push(`<text x="${MARGIN.left}" y="37" font-size="11" fill="#555555">${escapeXml(subtitle)}</text>`)
  for (const t of yTicks) {
    out.push(`<line x1="${MARGIN.left}" y1="${y(t).toFixed(1)}" x2="${MARGIN.left + plotW}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`)
    out.push(`<text x="${MARGIN.left - 6}" y="${(y(t) + 4).toFixed(1)}" text-anchor="end">${formatTick(t)}</text>`)
  }
  for (const t of xTicks) {
    out.push(`<line x1="${x(t).toFixed(1)}" y1="${MARGIN.top + plotH}" x2="${x(t).toFixed(1)}" y2="${MARGIN.top + plotH + 5}" stroke="#333333"/>`)
    out.push(`<text x="${x(t).toFixed(1)}" y="${MARGIN.top + plotH + 18}" text-anchor="middle">${formatTick(t)}</text>`)
  }
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top + plotH}" x2="${MARGIN.left + plotW}" y2="${MARGIN.top + plotH}" stroke="#333333"/>`)
  out.push(`<line x1="${MARGIN.left}" y1="${MARGIN.top}" x2="${MARGIN.left}" y2="${MARGIN.top + plotH}" stroke="#333333"/>`)
  out.push(`<text x="${MARGIN.left + plotW / 2}" y="${HEIGHT - 14}" text-anchor="middle">${escapeXml(init.xLabel)}</text>`)
  out.push(`<text x="18" y="${MARGIN.top + plotH / 2}" text-anchor="middle" transform="rotate(-90 18 ${MARGIN.top + plotH / 2})">${escapeXml(init.yLabel)}</text>`)
  out.push(...body(x, y))
  const colour = colours(init.series)
  init.series.forEach((s, i) => {
    const ly = MARGIN.top + 10 + i * 20
    const lx = MARGIN.left + plotW + 16
    const empty = (s.points?.length ?? 0) === 0 && (s.samples?.length ?? 0) === 0
    out.push(`<line x1="${lx}" y1="${ly}" x2="${lx + 24}" y2="${ly}" stroke="${colour[i]}" stroke-width="2.5"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''}/>`)
    out.push(`<text x="${lx + 30}" y="${ly + 4}">${escapeXml(s.label)}${empty ? ' (no data)' : ''}</text>`)
  })
  out.push('</svg>')
  return out.join('\n') + '\n'
}

/** y against x, one polyline (with dots) per series; both axes from 0 */
export function lineChartSvg (init: ChartInit): string {
  const all = init.series.flatMap(s => s.points ?? [])
  const xMax = Math.max(1, ...all.map(p => p[0]))
  const yMax = Math.max(0, ...all.map(p => p[1])) * 1.05
  const colour = colours(init.series)
  return frame(init, xMax, yMax, (x, y) => init.series.flatMap((s, i) => {
    const points = [...(s.points ?? [])].sort((a, b) => a[0] - b[0])
    if (points.length === 0) return []
    const path = points.map(([px, py]) => `${x(px).toFixed(1)},${y(py).toFixed(1)}`).join(' ')
    return [
      `<polyline fill="none" stroke="${colour[i]}" stroke-width="2.5"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''} points="${path}"/>`,
      ...points.map(([px, py]) => `<circle cx="${x(px).toFixed(1)}" cy="${y(py).toFixed(1)}" r="3.5" fill="${colour[i]}"/>`)
    ]
  }))
}

/**
 * Empirical CDF of each series' samples (share of samples <= x). The x axis ends at the largest
 * p99 among the series, so one outlier does not flatten the rest; the subtitle says so.
 */
export function cdfSvg (init: ChartInit): string {
  const withSamples = init.series.filter(s => (s.samples?.length ?? 0) > 0)
  const xMax = Math.max(0, ...withSamples.map(s => percentile(s.samples ?? [], 99))) * 1.05
  const colour = colours(init.series)
  const subtitle = withSamples.length === 0 ? 'no samples' : `x axis cut at ${formatTick(xMax)} (just above the highest p99); ${withSamples.map(s => `${s.label}: ${s.samples?.length ?? 0}`).join(', ')} samples`
  return frame(init, xMax, 1, (x, y) => init.series.flatMap((s, i) => {
    const sorted = [...(s.samples ?? [])].sort((a, b) => a - b)
    if (sorted.length === 0) return []
    const coords: string[] = [`${x(0).toFixed(1)},${y(0).toFixed(1)}`]
    let previous = 0
    sorted.forEach((v, k) => {
      const share = (k + 1) / sorted.length
      coords.push(`${x(v).toFixed(1)},${y(previous).toFixed(1)}`, `${x(v).toFixed(1)},${y(share).toFixed(1)}`)
      previous = share
    })
    return [`<polyline fill="none" stroke="${colour[i]}" stroke-width="2"${s.dashed === true ? ' stroke-dasharray="6 4"' : ''} points="${coords.join(' ')}"/>`]
  }), subtitle)
}
