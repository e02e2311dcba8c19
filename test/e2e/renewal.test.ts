/**
 * Node token renewal end to end: a leader (manual policy) and a node daemon started with an
 * offline token that lives 9 s, as separate `realmesh` OS processes on 127.0.0.1. The node renews
 * its token from the leader at two thirds of its lifetime, without the operator, saves it to its
 * data dir, and is still a member of the leader after the first token expired.
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

  async function status (name: string): Promise<Status> {
    return JSON.parse(await e2e.procs.ok(`status ${name}`, ['status', '--dir', dir(name), '--json'])) as Status
  }

  step('1. a node joins with an offline token that lives 9 s', async () => {
    await e2e.procs.ok('leader init', ['leader', 'init', '--name', 'renewal', '--dir', dir('L')])
    leader = e2e.procs.start('leader', ['leader', 'start', '--dir', dir('L'), '--listen', '/ip4/127.0.0.1/tcp/0', '--node-config', e2e.config])
    await leader.waitForLine(/^control api /, STEP_MS)
    nodeId = await e2e.procs.ok('node init', ['node', 'init', '--dir', dir('N1')])
    const token = await e2e.procs.ok('token issue', ['token', 'issue', '--dir', dir('L'), '--peer', nodeId, '--ttl', '9s'])
    firstExp = decodeTokenUnverified(token).claims.exp as number
    await writeFile(join(e2e.root, 'N1.token'), `${token}\n`)
    node = e2e.procs.start('N1', ['node', 'start', '--dir', dir('N1'), '--config', e2e.config, '--realm', join(dir('L'), 'realm.json'), '--token', join(e2e.root, 'N1.token')])
    await node.waitForLine(/^joined realm renewal: /, STEP_MS)
  })

  step('2. it renews the token from the leader (no operator), stays a member past the first expiry, and saves it', async () => {
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

  step('3. SIGTERM stops both cleanly (exit 0)', async () => {
    for (const proc of [node, leader]) proc.kill('SIGTERM')
    for (const proc of [node, leader]) assert.equal((await proc.waitForExit(STEP_MS)).code, 0, proc.describe())
  })
})
