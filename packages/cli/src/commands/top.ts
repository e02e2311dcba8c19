/**
 * `realmesh top`: the dashboard's figures in the terminal (GET /dashboard/state), redrawn every
 * REFRESH_MS on the alternate screen until q or Ctrl-C. When stdin or stdout is not a terminal it
 * prints one frame and exits (for scripts, and tests).
 */
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { messageOf } from '../errors.js'
import { TARGET_FLAGS } from './status.js'
import { formatTop } from './top-frame.js'
import type { ApiTarget } from '../api/client.js'
import type { DashboardState } from '../dashboard/state.js'
import type { Io, Terminal } from '../io.js'

export const REFRESH_MS = 2_000

/** alternate screen on, cursor hidden; and back */
const ENTER = '\x1b[?1049h\x1b[?25l'
const LEAVE = '\x1b[?25h\x1b[?1049l'
const HOME_CLEAR = '\x1b[H\x1b[2J'

export async function top (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const terminal = io.terminal?.()
  if (terminal == null) {
    const state = await callApi(target, '/dashboard/state')
    if (values.json === true) io.out(JSON.stringify(state))
    else for (const line of formatTop(state as DashboardState, Date.now())) io.out(line)
    return 0
  }
  await refresh(target, terminal)
  return 0
}

/** redraws until q, Q or Ctrl-C */
async function refresh (target: ApiTarget, terminal: Terminal): Promise<void> {
  const quit = new AbortController()
  const off = terminal.onKey((key) => { if (key === 'q' || key === 'Q' || key === '\x03') quit.abort() })
  terminal.write(ENTER)
  try {
    while (!quit.signal.aborted) {
      let lines: string[]
      try {
        lines = formatTop(await callApi(target, '/dashboard/state', { signal: quit.signal }) as DashboardState, Date.now())
      } catch (err) {
        if (quit.signal.aborted) break
        lines = [`realmesh top: ${messageOf(err)}`, '', `trying again every ${REFRESH_MS / 1000} s`]
      }
      const shown = lines.slice(0, Math.max(1, terminal.rows - 1)).map(l => l.slice(0, terminal.columns))
      terminal.write(`${HOME_CLEAR}${shown.join('\r\n')}\r\n${'q: quit'.slice(0, terminal.columns)}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, REFRESH_MS)
        quit.signal.addEventListener('abort', () => {
          clearTimeout(timer)
          resolve()
        }, { once: true })
      })
    }
  } finally {
    off()
    terminal.write(LEAVE)
  }
}
