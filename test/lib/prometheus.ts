/**
 * Scraping a daemon's GET /metrics in a test, parsed by a Prometheus text-format parser
 * (parse-prometheus-text-format: prom2json's shape), and reading samples from it.
 */
import parsePrometheusTextFormat from 'parse-prometheus-text-format'

export interface Sample {
  value?: string
  labels?: Record<string, string>
  /** histograms: cumulative counts by upper bound */
  buckets?: Record<string, string>
  count?: string
  sum?: string
}

export interface Family { name: string, help: string, type: string, metrics: Sample[] }

export type Scrape = Map<string, Family>

/** GET `url` (with the API token, if given), checked to be Prometheus text, parsed by metric name */
export async function scrape (url: string, token?: string): Promise<Scrape> {
  const res = await fetch(url, { headers: token == null ? {} : { authorization: `Bearer ${token}` }, signal: AbortSignal.timeout(10_000) })
  if (res.status !== 200) throw new Error(`GET ${url}: ${res.status} ${await res.text()}`)
  const type = res.headers.get('content-type') ?? ''
  if (!type.startsWith('text/plain')) throw new Error(`GET ${url}: content-type ${type}, not Prometheus text`)
  const families = parsePrometheusTextFormat(await res.text()) as Family[]
  return new Map(families.map(f => [f.name, f]))
}

/** the sum of `name`'s samples whose labels include `labels` (0 when there is none) */
export function value (scraped: Scrape, name: string, labels: Record<string, string> = {}): number {
  const family = scraped.get(name)
  if (family == null) return 0
  return family.metrics
    .filter(m => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v))
    .reduce((sum, m) => sum + Number(m.value ?? 0), 0)
}

/** how many observations a histogram has */
export function observations (scraped: Scrape, name: string): number {
  return (scraped.get(name)?.metrics ?? []).reduce((sum, m) => sum + Number(m.count ?? 0), 0)
}
