/**
 * The dashboard in a real browser: a leader (manual approval) and 4 nodes as OS processes,
 * `realmesh top` printing one frame of them, and Debian's Chromium, headless, driven by
 * playwright-core, on the URL `realmesh dashboard --no-open` prints: it logs in, shows the 5
 * members, a subject with its coordinators and counterpart and its messages in the rates, and
 * the request of a node that waits for approval; the approve button lets it in, and it appears
 * live. The same URL opened again is refused. Screenshots go to test/artifacts/.
 *
 * Without a chromium binary the browser steps are skipped, loudly (SKIPPED on stdout and the reason).
 */
import { after, describe } from 'node:test'
import assert from 'node:assert/strict'
import { existsSync } from 'node:fs'
import { mkdir, readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { scenario } from '../lib/scenario.js'
import { startRealm } from '../lib/realm.js'
import { REPO_ROOT } from '../lib/cli-process.js'
import type { Browser, Page } from 'playwright-core'
import type { CliProcess } from '../lib/cli-process.js'
import type { StartedRealm } from '../lib/realm.js'

const STEP_MS = 60_000
const NODES = ['N1', 'N2', 'N3', 'N4']
const SUBJECT = 'readings'
const MESSAGES = 20
export const ARTIFACTS = join(REPO_ROOT, 'test', 'artifacts')

/** Debian's chromium (or CHROMIUM_BIN): no browser is downloaded */
function findChromium (): string | undefined {
  return [process.env.CHROMIUM_BIN, '/usr/bin/chromium', '/usr/bin/chromium-browser'].find(p => p != null && p !== '' && existsSync(p))
}

const CHROMIUM = findChromium()
const NO_BROWSER = CHROMIUM == null ? 'no chromium binary (/usr/bin/chromium; apt-get install chromium, or set CHROMIUM_BIN)' : undefined
if (NO_BROWSER != null) console.log(`SKIPPED: the dashboard's browser steps: ${NO_BROWSER}`)

const short = (peerId: string): string => peerId.slice(-8)

/** the little of the page's DOM the functions run in the browser use (the tests compile without the DOM's types) */
interface Cell { title: string }
declare const document: { cookie: string, querySelectorAll: (selector: string) => ArrayLike<Cell> }

describe('the dashboard in a browser', { timeout: 300_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let realm: StartedRealm
  let leader: CliProcess
  let waiting: CliProcess
  let waitingId: string
  let requestId: string
  let url: string
  let browser: Browser | undefined
  let page: Page
  /** what the page logged as an error or threw (a CSP violation is one) */
  const pageErrors: string[] = []
  after(async () => { await browser?.close() })

  step('1. a realm of 5 (a leader with manual approval, 4 nodes with the join secret)', async () => {
    realm = await startRealm(e2e, { name: 'dash', secret: 'a-long-random-join-secret-for-the-dashboard', nodes: NODES, stepMs: STEP_MS, policy: 'manual' })
    leader = realm.daemons.get('L') as CliProcess
  })

  step('2. `realmesh top` not on a terminal prints one frame with every member, and exits', async () => {
    const frame = await e2e.procs.ok('top', ['top', '--dir', dir('L')], STEP_MS)
    assert.match(frame, /^realmesh top {2}leader /)
    for (const name of NODES) assert.match(frame, new RegExp(`\\.\\.\\.${short(realm.ids.get(name) ?? '')} `), frame)
    assert.match(frame, /^members 4 · /m)
  })

  step(`3. the leader subscribes to ${SUBJECT}; N1 publishes ${MESSAGES} acked messages to it`, async () => {
    const subscriber = e2e.procs.start('subscriber', ['subscribe', SUBJECT, '--dir', dir('L'), '--json'])
    await subscriber.waitForLine(new RegExp(`^subscribed to ${SUBJECT} `), STEP_MS)
    const api = JSON.parse(await readFile(join(dir('N1'), 'api.json'), 'utf8')) as { url: string, token: string }
    for (let i = 0; i < MESSAGES; i++) {
      const res = await fetch(`${api.url}/subjects/${SUBJECT}/publish`, { method: 'POST', headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ data: `reading ${i}`, ack: true }) })
      const result = await res.json() as { results?: Array<{ status: string }> }
      assert.deepEqual(result.results?.map(r => r.status), ['delivered'], JSON.stringify(result))
    }
    await subscriber.waitForLines(/"data":"reading \d+"/, MESSAGES, STEP_MS)
  })

  step('4. a node without a token or the secret waits for the operator', async () => {
    waiting = e2e.procs.start('N5', ['node', 'start', '--dir', dir('N5'), '--config', e2e.config, '--realm', realm.realmFile, '--listen', '/ip4/127.0.0.1/tcp/0'])
    waitingId = (await waiting.waitForLine(/^peer id (\S+)$/, STEP_MS))[1] ?? ''
    requestId = (await waiting.waitForLine(/^waiting for approval: token request (\S+) is pending/, STEP_MS))[1] ?? ''
    await leader.waitForLine(new RegExp(`^pending request ${requestId} `), STEP_MS)
  })

  step('5. the URL from `realmesh dashboard --no-open` logs the browser in: the 5 members, the subject, the rates, the pending request', async () => {
    url = await e2e.procs.ok('dashboard', ['dashboard', '--dir', dir('L'), '--no-open'], STEP_MS)
    assert.match(url, /^http:\/\/127\.0\.0\.1:\d+\/dashboard\/#login=[A-Za-z0-9_-]{43}$/)
    await mkdir(ARTIFACTS, { recursive: true })
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true })
    page = await browser.newPage({ viewport: { width: 1280, height: 1000 } })
    page.on('console', (msg) => { if (msg.type() === 'error') pageErrors.push(msg.text()) })
    page.on('pageerror', (err) => { pageErrors.push(err.message) })
    await page.goto(url)
    await page.locator('#connection.live').waitFor({ timeout: STEP_MS })
    // the login token left the address bar, and the session cookie is out of the page's reach (HttpOnly)
    assert.equal(new URL(page.url()).hash, '')
    assert.equal(await page.evaluate(() => document.cookie), '')
    const members = page.locator('#members td.peer')
    await page.waitForFunction((n) => document.querySelectorAll('#members td.peer').length === n, NODES.length, { timeout: STEP_MS })
    const shown = await members.evaluateAll(cells => (cells as unknown as Cell[]).map(c => c.title))
    assert.deepEqual(shown.sort(), NODES.map(n => realm.ids.get(n) ?? '').sort())
    for (const name of NODES) await page.locator('#keyspace circle[data-peer]').filter({ hasText: realm.ids.get(name) ?? '' }).waitFor({ state: 'attached' })
    await page.locator('#keyspace circle.self').waitFor({ state: 'attached' })
    // the subject: its coordinators and N1 matched as the sender
    const subject = page.locator('#subjects tr', { hasText: SUBJECT })
    await subject.waitFor({ timeout: STEP_MS })
    assert.match(await subject.innerText(), new RegExp(`${short(realm.ids.get('N1') ?? '')} \\(sender|both\\)`))
    // the messages moved the delivered rate: its chart's series has a rise (read from the picture the page got)
    await page.waitForFunction(async () => {
      const res = await fetch('/dashboard/state', { credentials: 'same-origin' })
      const state = await res.json() as { totals: { delivered?: number }, rates: { series: { delivered?: number[] } } }
      return state.totals.delivered === 20 && (state.rates.series.delivered ?? []).some(v => v > 0)
    }, undefined, { timeout: STEP_MS, polling: 500 })
    assert.equal(await page.locator('#chart-messages canvas').count(), 1)
    const row = page.locator('#pending tr', { hasText: requestId })
    await row.waitFor({ timeout: STEP_MS })
    assert.match(await row.innerText(), new RegExp(short(waitingId)))
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-before-approval.png'), fullPage: true })
  }, { skip: NO_BROWSER })

  step('6. the approve button lets the waiting node in; it appears on the page without a reload', async () => {
    await page.locator(`#pending button.approve[data-id="${requestId}"]`).click()
    await waiting.waitForLine(/^joined realm dash: /, STEP_MS)
    await page.waitForFunction((id) => Array.from(document.querySelectorAll('#members td.peer')).some(c => c.title === id), waitingId, { timeout: STEP_MS })
    await page.locator('#pending td.empty').waitFor({ timeout: STEP_MS })
    assert.match(await page.locator('#action-result').innerText(), new RegExp(`approved ${requestId}`))
    await page.screenshot({ path: join(ARTIFACTS, 'dashboard-after-approval.png'), fullPage: true })
    assert.deepEqual(pageErrors, [], 'the page logged no error (no CSP violation, no failed request)')
  }, { skip: NO_BROWSER })

  step('7. the same login URL in a fresh browser context is refused: the token was good once', async () => {
    const context = await browser?.newContext()
    const fresh = await context?.newPage()
    assert.ok(fresh != null)
    await fresh.goto(url)
    await fresh.locator('#problem', { hasText: 'LOGIN_INVALID' }).waitFor({ timeout: STEP_MS })
    await fresh.locator('#connection', { hasText: 'not logged in' }).waitFor({ timeout: STEP_MS })
    await fresh.screenshot({ path: join(ARTIFACTS, 'dashboard-login-refused.png') })
    await context?.close()
  }, { skip: NO_BROWSER })
})
