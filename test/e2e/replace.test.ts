/**
 * Node replacement end to end (seed 000: "how to allow new nodes to inherit previous pairing so
 * nodes can be replaced?"), every participant a separate `realmesh` OS process on 127.0.0.1: a
 * leader and two nodes; node A runs as an identity (`identity init`, `token issue --identity`,
 * `node start --identity --identity-token`), and a subscriber on B gets its messages from that
 * identity; `leader replace A A2` revokes A (its daemon exits 2, TOKEN_REVOKED) and gives A2 A's
 * grant and identity; A2 starts with the tokens the replace wrote, and the same subscriber on B
 * gets A2's messages under the same identity. A node whose identity token runs out exits 2.
 *
 * The subscriber's audience: the CLI on this branch has no audience flag, so this test checks the
 * identity messages arrive from (`from`); that a subscriber whose audience names the identity gets
 * the replacement's messages is tested with real nodes in packages/leader/test/replace.test.ts.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeTokenUnverified } from '@realmesh/token'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 30_000

interface Claims { sub: string, renewUntil?: number, ext?: { attrs?: Record<string, string> } }
interface Message { from: string, peer: string, data: string }

async function claimsIn (file: string): Promise<Claims> {
  return decodeTokenUnverified((await readFile(file, 'utf8')).trim()).claims as unknown as Claims
}

describe('node replacement across OS processes', { timeout: 120_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  const peers = new Map<string, string>()
  const peer = (name: string): string => peers.get(name) ?? ''
  let leader: CliProcess
  let a: CliProcess
  let b: CliProcess
  let subscription: CliProcess
  let a2: CliProcess | undefined

  function startNode (name: string, extra: string[]): CliProcess {
    return e2e.procs.start(name, ['node', 'start', '--dir', dir(name), '--realm', join(dir('L'), 'realm.json'), '--config', e2e.config, ...extra])
  }

  /** publishes `text` from `name` with acks; resolves with the message as the subscriber printed it */
  async function deliver (name: string, text: string): Promise<Message> {
    const sent = await e2e.procs.run(`publish ${name}`, ['publish', 'news', text, '--dir', dir(name), '--ack', '--ttl', '20s'], STEP_MS)
    assert.equal(sent.code, 0, e2e.procs.describe())
    const [line = ''] = await subscription.waitForLine(new RegExp(`^\\{.*"data":"${text}".*\\}$`), STEP_MS)
    return JSON.parse(line) as Message
  }

  step('1. a leader, node B, and node A running as identity I; a subscriber on B gets A\'s messages from I', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'replace', '--dir', dir('L'), '--policy', 'manual'])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config])
    await Promise.all([
      ...['A', 'B', 'A2'].map(async name => { peers.set(name, await e2e.procs.ok(`node init ${name}`, ['node', 'init', '--dir', dir(name)])) }),
      (async () => { peers.set('I', await e2e.procs.ok('identity init', ['identity', 'init', '--dir', dir('I')])) })()
    ])
    const tokens = { A: join(e2e.root, 'A.token'), B: join(e2e.root, 'B.token'), I: join(e2e.root, 'A.identity.token') }
    await Promise.all([
      e2e.procs.ok('token issue A', ['token', 'issue', '--dir', dir('L'), '--peer', peer('A'), '--ttl', '1h', '--renewable', '--max-lifetime', '2h', '--attr', 'role=sensor', '--out', tokens.A]),
      e2e.procs.ok('token issue B', ['token', 'issue', '--dir', dir('L'), '--peer', peer('B'), '--ttl', '1h', '--out', tokens.B]),
      e2e.procs.ok('token issue I', ['token', 'issue', '--dir', dir('L'), '--identity', peer('I'), '--node', peer('A'), '--attr', 'team=ops', '--ttl', '1h', '--out', tokens.I])
    ])
    await leader.waitForLine(/^control api /, STEP_MS)
    a = startNode('A', ['--token', tokens.A, '--identity', dir('I'), '--identity-token', tokens.I])
    b = startNode('B', ['--token', tokens.B])
    await a.waitForLine(new RegExp(`^identity ${peer('I')} \\(identity token expires `), STEP_MS)
    await Promise.all([a, b].map(async p => p.waitForLine(/^joined realm replace: /, STEP_MS)))
    subscription = e2e.procs.start('subscribe B', ['subscribe', 'news', '--dir', dir('B'), '--json'])
    await subscription.waitForLine(/^subscribed to news /, STEP_MS)
    const message = await deliver('A', 'before')
    assert.deepEqual([message.from, message.peer], [peer('I'), peer('A')], 'from the identity, through node A')
  })

  step('2. leader replace A A2: A is revoked and its daemon exits 2 (TOKEN_REVOKED); A2\'s tokens carry A\'s grant and identity', async () => {
    const started = Date.now()
    const out = await e2e.procs.ok('leader replace', ['leader', 'replace', peer('A'), peer('A2'), '--dir', dir('L'), '--out', dir('A2')])
    const lines = out.split('\n')
    assert.match(lines[0] ?? '', new RegExp(`^revoked ${peer('A')} \\(every token\\), seq 1, until `))
    assert.match(lines[1] ?? '', new RegExp(`^node token for ${peer('A2')} \\(expires .*, renewable until .*, attributes role=sensor\\) written to `))
    assert.match(lines[2] ?? '', new RegExp(`^identity token for ${peer('I')} on ${peer('A2')} \\(expires .*, attributes team=ops\\) written to `))
    assert.equal((await a.waitForExit(STEP_MS)).code, 2, a.describe())
    await a.waitForLine(new RegExp(`^refused: TOKEN_REVOKED \\(replaced by ${peer('A2')}\\)$`), 1_000)
    console.log(`# replace to A's daemon exiting: ${Date.now() - started} ms`)
    const [old, next] = [await claimsIn(join(e2e.root, 'A.token')), await claimsIn(join(dir('A2'), 'node.token'))]
    assert.equal(next.sub, peer('A2'))
    assert.deepEqual(next.ext?.attrs, { role: 'sensor' })
    assert.equal(next.renewUntil, old.renewUntil, 'the grant ends where A\'s did')
    assert.equal((await claimsIn(join(dir('A2'), 'identity.token'))).sub, peer('I'))
  })

  step('3. A2 starts with the tokens the replace wrote; the same subscriber on B gets A2\'s messages from the same identity', async () => {
    const started = Date.now()
    a2 = startNode('A2', ['--identity', dir('I')])
    await a2.waitForLine(/^joined realm replace: /, STEP_MS)
    const message = await deliver('A2', 'after')
    console.log(`# A2 start to its first message delivered on B: ${Date.now() - started} ms`)
    assert.deepEqual([message.from, message.peer], [peer('I'), peer('A2')], 'from the same identity, through node A2')
    assert.ok(subscription.running, 'one subscription throughout')
  })

  step('4. a node whose identity token runs out says so and exits 2 (TOKEN_EXPIRED): it does not renew identity tokens', async () => {
    const c = await e2e.procs.ok('node init C', ['node', 'init', '--dir', dir('C')])
    const token = join(e2e.root, 'C.identity.token')
    const nodeToken = join(e2e.root, 'C.token')
    await Promise.all([
      e2e.procs.ok('token issue C', ['token', 'issue', '--dir', dir('L'), '--peer', c, '--ttl', '1h', '--out', nodeToken]),
      e2e.procs.ok('token issue I on C', ['token', 'issue', '--dir', dir('L'), '--identity', peer('I'), '--node', c, '--ttl', '6s', '--out', token])
    ])
    // no skew allowance at this node: its end comes at the token's exp, not 30 s after
    const config = join(e2e.root, 'no-skew.yaml')
    await writeFile(config, `${await readFile(e2e.config, 'utf8')}tokenSkewSeconds: 0\n`)
    const proc = e2e.procs.start('C', ['node', 'start', '--dir', dir('C'), '--realm', join(dir('L'), 'realm.json'), '--config', config, '--token', nodeToken, '--identity', dir('I'), '--identity-token', token])
    await proc.waitForLine(/^joined realm replace: /, STEP_MS)
    assert.equal((await proc.waitForExit(STEP_MS)).code, 2, proc.describe())
    await proc.waitForLine(new RegExp(`^refused: TOKEN_EXPIRED \\(the identity token of ${peer('I')} expired at `), 1_000)
  })

  step('5. SIGTERM stops the rest cleanly', async () => {
    const running = [subscription, a2, b, leader].filter((p): p is CliProcess => p?.running === true)
    for (const proc of running) proc.kill('SIGTERM')
    for (const proc of running) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
  })
})
