/**
 * Invitations end to end (issue 21 item 4), every participant a `realmesh` OS process on
 * 127.0.0.1: a leader whose policy is manual invites; a node joins with the URI at once (no
 * approval); a second node with the same URI is refused INVITATION_USED; an expired and a
 * cancelled invitation are refused with their codes; the QR code the CLI wrote as a PNG decodes
 * (jsQR, a pure-JS decoder, on the PNG's pixels) back to the URI it printed.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import jsqr from 'jsqr'
import { PNG } from 'pngjs'
import { scenario } from '../lib/scenario.js'
import { pollUntil } from '../lib/poll.js'

const STEP_MS = 60_000
/** jsqr is CommonJS with an ES-style default export: under NodeNext its default import is the exports object */
const jsQR = jsqr.default

interface Listed { id: string, state: string, used: number, uses: number }

describe('invitations across OS processes', { timeout: 180_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let uri = ''

  async function invite (...flags: string[]): Promise<{ uri: string, id: string }> {
    const out = await e2e.procs.ok('leader invite', ['leader', 'invite', '--dir', dir('L'), ...flags])
    const printed = out.split('\n')[0] ?? ''
    const id = new URLSearchParams(printed.slice('realmesh://invite?'.length)).get('t')?.split('.')[1] ?? ''
    const claims = JSON.parse(Buffer.from(id, 'base64url').toString()) as { jti: string }
    return { uri: printed, id: claims.jti }
  }

  async function refusedWith (name: string, invitation: string, code: string): Promise<void> {
    const run = await e2e.procs.run(`node ${name}`, ['node', 'start', '--dir', dir(name), '--config', e2e.config, '--invitation', invitation, '--listen', '/ip4/127.0.0.1/tcp/0'], STEP_MS)
    assert.equal(run.code, 2, `${name}: ${run.stderr}`)
    assert.match(run.stderr, new RegExp(`^refused: ${code} \\(`, 'm'))
  }

  async function listed (): Promise<Listed[]> {
    return JSON.parse(await e2e.procs.ok('leader invitations', ['leader', 'invitations', '--dir', dir('L'), '--json'])) as Listed[]
  }

  step('1. the leader invites: a URI and a QR code (terminal and PNG) that decodes back to it', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'invited', '--dir', dir('L'), '--policy', 'manual'])
    const leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config])
    await leader.waitForLine(/^control api /, STEP_MS)
    const png = join(e2e.root, 'invitation.png')
    const out = await e2e.procs.ok('leader invite', ['leader', 'invite', '--dir', dir('L'), '--attr', 'site=lab', '--png', png])
    const [first, ...qr] = out.split('\n')
    uri = first ?? ''
    assert.match(uri, /^realmesh:\/\/invite\?v=1&t=[\w.-]+&s=[\w-]+$/)
    assert.ok(qr.filter(line => /[▀▄█]/.test(line)).length > 20, 'a QR code in block characters follows the URI')
    const image = PNG.sync.read(await readFile(png))
    const decoded = jsQR(new Uint8ClampedArray(image.data), image.width, image.height)
    assert.equal(decoded?.data, uri, 'the PNG\'s QR code decodes to the URI')
    console.log(`# invitation URI: ${uri.length} characters; QR code ${image.width}x${image.height} px`)
  })

  step('2. a node joins with it at once (policy manual: no approval), with the invitation\'s attributes', async () => {
    const node = e2e.procs.start('node A', ['node', 'start', '--dir', dir('A'), '--config', e2e.config, '--invitation', uri, '--listen', '/ip4/127.0.0.1/tcp/0'])
    await node.waitForLine(/^joined realm invited: /, STEP_MS)
    const token = await readFile(join(dir('A'), 'node.token'), 'utf8')
    const claims = JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString()) as { ext?: { attrs?: Record<string, string> } }
    assert.deepEqual(claims.ext?.attrs, { site: 'lab' })
    assert.deepEqual((await listed()).map(i => [i.state, i.used]), [['used', 1]])
  })

  step('3. used twice: refused INVITATION_USED (exit 2)', async () => {
    await refusedWith('B', uri, 'INVITATION_USED')
  })

  step('4. expired and cancelled invitations are refused with their codes', async () => {
    const short = await invite('--ttl', '1s')
    const cancelled = await invite('--ttl', '1h')
    const out = await e2e.procs.ok('leader uninvite', ['leader', 'uninvite', cancelled.id, '--dir', dir('L')])
    assert.match(out, new RegExp(`^cancelled invitation ${cancelled.id} `))
    await refusedWith('C', cancelled.uri, 'INVITATION_CANCELLED')
    const uninviteAgain = await e2e.procs.run('uninvite again', ['leader', 'uninvite', cancelled.id, '--dir', dir('L')], STEP_MS)
    assert.notEqual(uninviteAgain.code, 0)
    assert.match(uninviteAgain.stderr, /INVITATION_CANCELLED/)
    await pollUntil(async () => (await listed()).find(i => i.id === short.id)?.state === 'expired' ? true : undefined, 'the 1 s invitation expiring', () => 'still open', { timeoutMs: 10_000 })
    await refusedWith('D', short.uri, 'INVITATION_EXPIRED')
  })
})
