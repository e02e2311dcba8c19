/**
 * `realmesh dashboard`: asks the daemon for a one-time login and prints the dashboard's URL with it
 * (http://127.0.0.1:PORT/dashboard/#login=TOKEN); opens it with xdg-open where a desktop is
 * (DISPLAY or WAYLAND_DISPLAY set) unless --no-open.
 */
import { spawn } from 'node:child_process'
import { parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { formatMs } from '../duration.js'
import { TARGET_FLAGS } from './status.js'
import type { Io } from '../io.js'

export async function dashboard (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { ...TARGET_FLAGS, 'no-open': { type: 'boolean' } })
  const target = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const login = await callApi(target, '/dashboard/login', { method: 'POST' }) as { path: string, expiresInMs: number }
  const url = `${target.url}${login.path}`
  if (values.json === true) {
    io.out(JSON.stringify({ url, expiresInMs: login.expiresInMs }))
  } else {
    io.out(url)
    io.err(`the link logs one browser in, once, within ${formatMs(login.expiresInMs)}; the session lasts 12 h (run realmesh dashboard again for another)`)
  }
  const desktop = (io.env.DISPLAY ?? '') !== '' || (io.env.WAYLAND_DISPLAY ?? '') !== ''
  if (values['no-open'] === true || !desktop) return 0
  const opened = await openBrowser(url)
  if (opened != null) io.err(`could not open a browser (xdg-open: ${opened}): open the URL above`)
  return 0
}

/** starts xdg-open on `url`, detached; resolves with why it could not start, or undefined */
async function openBrowser (url: string): Promise<string | undefined> {
  return new Promise((resolve) => {
    const child = spawn('xdg-open', [url], { detached: true, stdio: 'ignore' })
    child.once('error', (err: NodeJS.ErrnoException) => { resolve(err.code ?? err.message) })
    child.once('spawn', () => {
      child.unref()
      resolve(undefined)
    })
  })
}
