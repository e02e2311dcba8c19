/**
 * Node token renewal end to end: a leader (manual policy) and node daemons started with offline
 * tokens that live 20 s, as separate `realmesh` OS processes on 127.0.0.1. A `--renewable` one
 * renews its token from the leader at two thirds of its lifetime, without the operator, saves it
 * to its data dir, and is still a member of the leader after the first token expired. One issued
 * without `--renewable` keeps its short grant: at its exp its daemon exits 2 with TOKEN_EXPIRED,
 * and the leader drops it within exp + skew (5 s here, from the node config) + a few seconds.
 *
 * Every wait is on a process's output (or exit), bounded generously.
 */
import { describe } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeTokenUnverified } from '@realmesh/token'
import { scenario } from '../lib/scenario.js'
import type { CliProcess } from '../lib/cli-process.js'

const STEP_MS = 60_000

interface Status { joined: boolean, members: string[] }

describe('node token renewal across OS processes', { timeout: 300_000 }, () => {
  const e2e = scenario()
  const { dir, step } = e2e
  let leader: CliProcess
  let node: CliProcess
  let nodeId: string
  let firstExp: number
  let shortNode: CliProcess
  let shortId: string
  let shortExp: number
  let config: string
  const SKEW_SECONDS = 5

  async function status (name: string): Promise<Status> {
    return JSON.parse(await e2e.procs.ok(`status ${name}`, ['status', '--dir', dir(name), '--json'])) as Status
  }

  step('1. two nodes join with offline tokens that live 20 s, one --renewable, one not', async () => {
    config = join(e2e.root, 'skew.yaml')
    await writeFile(config, `${await readFile(e2e.config, 'utf8')}tokenSkewSeconds: ${SKEW_SECONDS}\n`)
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'renewal', '--dir', dir('L')])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', config])
    await leader.waitForLine(/^control api /, STEP_MS)
    // both inits first, then the tokens, the renewable one last: its 20 s start when the daemons are
    // about to (a loaded machine took 16-19 s for the CLI processes in between)
    nodeId = await e2e.procs.ok('node init', ['node', 'init', '--dir', dir('N1')])
    shortId = await e2e.procs.ok('node init N2', ['node', 'init', '--dir', dir('N2')])
    const short = await e2e.procs.ok('token issue N2', ['token', 'issue', '--dir', dir('L'), '--peer', shortId, '--ttl', '20s'])
    shortExp = decodeTokenUnverified(short).claims.exp as number
    assert.equal(decodeTokenUnverified(short).claims.renewUntil, undefined, 'not renewable without --renewable')
    await writeFile(join(e2e.root, 'N2.token'), `${short}\n`)
    const token = await e2e.procs.ok('token issue', ['token', 'issue', '--dir', dir('L'), '--peer', nodeId, '--ttl', '20s', '--renewable', '--max-lifetime', '1h'])
    firstExp = decodeTokenUnverified(token).claims.exp as number
    await writeFile(join(e2e.root, 'N1.token'), `${token}\n`)
    node = e2e.procs.start('N1', ['node', 'start', '--dir', dir('N1'), '--config', config, '--realm', join(dir('L'), 'realm.json'), '--token', join(e2e.root, 'N1.token')])
    shortNode = e2e.procs.start('N2', ['node', 'start', '--dir', dir('N2'), '--config', config, '--realm', join(dir('L'), 'realm.json'), '--token', join(e2e.root, 'N2.token')])
    await node.waitForLine(/^joined realm renewal: /, STEP_MS)
    await shortNode.waitForLine(/^joined realm renewal: /, STEP_MS)
  })

  step('2. the node without --renewable is not renewed: at its exp its daemon exits 2 (TOKEN_EXPIRED), and is no member of the leader within exp + skew + 5 s', async () => {
    assert.equal((await shortNode.waitForExit(STEP_MS)).code, 2, shortNode.describe())
    await shortNode.waitForLine(/^refused: TOKEN_EXPIRED \(the node token expired at .*: it was issued without renewal/, 1_000)
    assert.ok(!shortNode.stderr.includes('token received from the leader'), 'never renewed')
    // the daemon leaves as it exits (LEAVE); a node that stays is dropped at exp + skew (packages/node/test/expiry.test.ts)
    await leader.waitForLine(new RegExp(`^member left ${shortId}: (leave|token-expired)`), STEP_MS)
    const droppedAfterExpMs = Date.now() - shortExp * 1000
    console.log(`# the expired member was gone from the leader ${(droppedAfterExpMs / 1000).toFixed(1)} s after its exp (skew ${SKEW_SECONDS} s)`)
    assert.ok(droppedAfterExpMs < (SKEW_SECONDS + 5) * 1000, `${droppedAfterExpMs} ms after exp`)
  })

  step('3. the --renewable one renews the token from the leader (no operator), stays a member past the first expiry, and saves it', async () => {
    await node.waitForLine(/^token received from the leader/, STEP_MS)
    await leader.waitForLine(new RegExp(`^token issued to ${nodeId} \\(renewal, jti `), STEP_MS)
    // past the first token's expiry (a wall-clock time: that is what is tested) and the leader's
    // next sweep of expired members (every 15 s), the node is still its member
    const wait = firstExp * 1000 + 16_000 - Date.now()
    if (wait > 0) await new Promise(resolve => setTimeout(resolve, wait))
    assert.ok((await status('L')).members.includes(nodeId), `still a member\n${e2e.procs.describe()}`)
    assert.ok(!leader.stderr.includes(`member left ${nodeId}`), 'never dropped')
    assert.equal((await status('N1')).joined, true)
    // saved for a restart (written right after the log line: read long after it)
    const saved = (await readFile(join(dir('N1'), 'node.token'), 'utf8')).trim()
    assert.ok((decodeTokenUnverified(saved).claims.exp as number) > firstExp, 'DIR/node.token holds a renewed token')
  })

  step('4. SIGTERM stops both cleanly (exit 0)', async () => {
    for (const proc of [node, leader]) proc.kill('SIGTERM')
    for (const proc of [node, leader]) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
  })
})
