/**
 * leader.yaml's `metrics` and `log` sections: read by the `realmesh leader start` daemon (its
 * metrics and its log lines), which validates their use; here only their shape is checked.
 */
import { sectionOf, take } from './config-values.js'
import type { ConfigProblem } from './errors.js'

export interface DaemonSections {
  /** GET /metrics (on by default) and a metrics-only listener on `listen` (HOST:PORT) */
  metrics?: { enabled?: boolean, listen?: string }
  /** the daemon's log lines: text or one JSON object a line, and the lowest level written */
  log?: { format?: 'text' | 'json', level?: 'error' | 'warn' | 'info' | 'debug' }
}

const HOST_PORT = /^(?:\[[0-9A-Fa-f:.]+\]|[^:[\]\s]+):\d{1,5}$/
const FORMATS = ['text', 'json']
const LEVELS = ['error', 'warn', 'info', 'debug']

export function checkDaemonSections (value: Record<string, unknown>, problems: ConfigProblem[]): DaemonSections {
  const out: DaemonSections = {}
  const metrics = sectionOf(value.metrics, 'metrics', ['enabled', 'listen'], problems)
  if (metrics !== undefined) {
    const m: NonNullable<DaemonSections['metrics']> = {}
    take(metrics, 'enabled', 'metrics', (v) => typeof v === 'boolean', 'true or false', problems, (v) => { m.enabled = v as boolean })
    take(metrics, 'listen', 'metrics', (v) => typeof v === 'string' && HOST_PORT.test(v) && Number(v.slice(v.lastIndexOf(':') + 1)) <= 65_535, 'HOST:PORT to serve metrics on, e.g. "127.0.0.1:9464"', problems, (v) => { m.listen = v as string })
    out.metrics = m
  }
  const log = sectionOf(value.log, 'log', ['format', 'level'], problems)
  if (log !== undefined) {
    const l: NonNullable<DaemonSections['log']> = {}
    take(log, 'format', 'log', (v) => FORMATS.includes(v as string), `one of ${FORMATS.join(', ')}`, problems, (v) => { l.format = v as 'text' | 'json' })
    take(log, 'level', 'log', (v) => LEVELS.includes(v as string), `one of ${LEVELS.join(', ')}`, problems, (v) => { l.level = v as 'error' | 'warn' | 'info' | 'debug' })
    out.log = l
  }
  return out
}
