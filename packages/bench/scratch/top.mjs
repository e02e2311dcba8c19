import { readFileSync, readdirSync } from 'node:fs'
const dir = process.argv[2]
const f = readdirSync(dir).filter(f => f.endsWith('.cpuprofile'))[0]
const p = JSON.parse(readFileSync(dir + '/' + f))
const self = new Map(); const byId = new Map(p.nodes.map(n => [n.id, n]))
const dt = new Map()
for (let i = 0; i < p.samples.length; i++) dt.set(p.samples[i], (dt.get(p.samples[i]) ?? 0) + (p.timeDeltas[i] ?? 0))
let total = 0
for (const n of p.nodes) { const t = dt.get(n.id) ?? 0; total += t; const k = `${n.callFrame.functionName || '(anon)'} ${n.callFrame.url.split('/').slice(-3).join('/')}:${n.callFrame.lineNumber}`; self.set(k, (self.get(k) ?? 0) + t) }
const top = [...self].sort((a, b) => b[1] - a[1]).slice(0, Number(process.argv[3] ?? 40))
for (const [k, t] of top) console.log((t / total * 100).toFixed(1).padStart(5), k)
// inclusive by url filter
const filt = process.argv[4]
if (filt) {
  const parent = new Map(); for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id)
  let inc = 0
  for (const n of p.nodes) { let cur = n.id, hit = false; while (cur != null) { const nn = byId.get(cur); if (nn.callFrame.url.includes(filt) || nn.callFrame.functionName.includes(filt)) { hit = true; break } cur = parent.get(cur) } if (hit) inc += dt.get(n.id) ?? 0 }
  console.log('inclusive', filt, (inc / total * 100).toFixed(1))
}
