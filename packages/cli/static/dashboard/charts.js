// The rates over the last minutes with uPlot (served from node_modules/uplot/dist by the daemon):
// message counters in one chart, membership and refusals in the other. The charts are made once
// and fed each new picture's series.
import uPlot from '/dashboard/vendor/uPlot.esm.js'

const CHARTS = [
  { id: 'chart-messages', title: 'messages / s', series: [['delivered', '#5ccf8a'], ['rejected', '#ff6b6b'], ['duplicates', '#f0b44c'], ['resent', '#b48cff']] },
  { id: 'chart-refusals', title: 'membership and refusals / s', series: [['refused', '#ff6b6b'], ['banned', '#ff9f43'], ['joined', '#4fb3ff'], ['left', '#8a96a3'], ['matched', '#5ccf8a'], ['requests', '#f0b44c'], ['issued', '#b48cff'], ['denied', '#e056fd']] }
]

const made = new Map()

function make (chart, names, container) {
  const axis = { stroke: '#8a96a3', grid: { stroke: '#2a3441' }, ticks: { stroke: '#2a3441' } }
  return new uPlot({
    title: chart.title,
    width: Math.max(300, container.clientWidth),
    height: 220,
    scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.15)] } },
    axes: [axis, { ...axis, size: 50 }],
    series: [{}, ...chart.series.filter(([name]) => names.includes(name)).map(([label, stroke]) => ({ label, stroke, width: 2, points: { show: false } }))]
  }, [[]], container)
}

export function drawCharts (state) {
  const names = Object.keys(state.rates.series)
  for (const chart of CHARTS) {
    const container = document.getElementById(chart.id)
    const shown = chart.series.filter(([name]) => names.includes(name)).map(([name]) => name)
    let plot = made.get(chart.id)
    if (plot == null) {
      plot = make(chart, shown, container)
      made.set(chart.id, plot)
      new ResizeObserver(() => { plot.setSize({ width: Math.max(300, container.clientWidth), height: 220 }) }).observe(container)
    }
    plot.setData([state.rates.t, ...shown.map(name => state.rates.series[name])])
  }
}
