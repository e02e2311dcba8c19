/**
 * The dashboard's page: plain HTML, CSS and ES modules in packages/cli/static/dashboard (no build
 * step), and uPlot's browser build from node_modules/uplot/dist (no CDN: the machines have no
 * internet). Only the files named here are served, read once and kept (a few hundred KiB).
 */
import { readFile } from 'node:fs/promises'
import { createRequire } from 'node:module'
import { dirname, join, resolve } from 'node:path'

/** packages/cli/dist/src/dashboard -> packages/cli */
const PACKAGE_DIR = resolve(import.meta.dirname, '../../..')

const TYPES: Record<string, string> = {
  html: 'text/html; charset=utf-8',
  js: 'text/javascript; charset=utf-8',
  css: 'text/css; charset=utf-8',
  svg: 'image/svg+xml'
}

/** URL path under /dashboard -> file on disk */
function files (): Map<string, string> {
  const uplot = join(dirname(createRequire(import.meta.url).resolve('uplot/package.json')), 'dist')
  const page = join(PACKAGE_DIR, 'static', 'dashboard')
  return new Map([
    ['index.html', join(page, 'index.html')],
    ['app.js', join(page, 'app.js')],
    ['render.js', join(page, 'render.js')],
    ['keyspace.js', join(page, 'keyspace.js')],
    ['charts.js', join(page, 'charts.js')],
    ['format.js', join(page, 'format.js')],
    ['style.css', join(page, 'style.css')],
    ['favicon.svg', join(page, 'favicon.svg')],
    ['vendor/uPlot.esm.js', join(uplot, 'uPlot.esm.js')],
    ['vendor/uPlot.min.css', join(uplot, 'uPlot.min.css')]
  ])
}

/**
 * What the page may do: load its own files and talk to this origin, nothing else; no inline script
 * or style markup, no frames around it (its buttons approve members), no forms, no <base>
 */
export const PAGE_HEADERS: Record<string, string> = {
  'content-security-policy': "default-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-frame-options': 'DENY',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store'
}

export class StaticFiles {
  private readonly paths = files()
  private readonly cache = new Map<string, Buffer>()

  /** the file at `name` (`app.js`, `vendor/uPlot.esm.js`) with its content type, or undefined when it is not one of the page's */
  async get (name: string): Promise<{ body: Buffer, type: string } | undefined> {
    const path = this.paths.get(name)
    if (path == null) return undefined
    let body = this.cache.get(name)
    if (body == null) {
      body = await readFile(path)
      this.cache.set(name, body)
    }
    return { body, type: TYPES[name.slice(name.lastIndexOf('.') + 1)] ?? 'application/octet-stream' }
  }
}
