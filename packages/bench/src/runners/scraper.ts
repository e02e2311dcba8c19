/**
 * The Prometheus of the metrics scenario: GET /metrics from a process of its own
 * (child_process.fork from runners/daemon-metrics.ts), so that the measured daemon's CPU time holds
 * what serving a scrape costs it and not what the HTTP client does with the answer. IPC commands:
 *   { op: 'every', ms }   scrape every ms (0: stop)
 *   { op: 'burst', n }    n scrapes back to back, answered with { op: 'burst', bytes }
 * Every scrape is reported as { op: 'scraped', bytes }; a failed one as { op: 'error', error }.
 */
const [url, token] = process.argv.slice(2) as [string?, string?]
if (url == null || token == null) throw new Error('usage: scraper.js URL TOKEN (forked by runners/daemon-metrics.ts)')
const target: string = url
const headers = { authorization: `Bearer ${token}` }

type Command = { op: 'every', ms: number } | { op: 'burst', n: number }

async function scrape (): Promise<number> {
  const res = await fetch(target, { headers })
  const text = await res.text()
  if (!res.ok) throw new Error(`GET /metrics: ${res.status}`)
  process.send?.({ op: 'scraped', bytes: text.length })
  return text.length
}

const report = (err: unknown): void => { process.send?.({ op: 'error', error: String(err) }) }

let timer: ReturnType<typeof setInterval> | undefined
process.on('message', (command: Command) => {
  if (command.op === 'every') {
    clearInterval(timer)
    timer = command.ms > 0 ? setInterval(() => { scrape().catch(report) }, command.ms) : undefined
    return
  }
  void (async () => {
    let bytes = 0
    for (let i = 0; i < command.n; i++) bytes = await scrape()
    process.send?.({ op: 'burst', bytes })
  })().catch(report)
})
// the parent's end of the channel closing is the end of the run
process.on('disconnect', () => { clearInterval(timer) })
