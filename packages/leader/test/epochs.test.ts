/**
 * The leader's epochs: a new salt every epochSeconds (leader.yaml), published when its epoch starts
 * and kept in DIR/epochs.json, so that a restarted leader goes on from the current epoch instead of
 * starting another; epochSeconds 0 publishes none. And the grant's start a renewal keeps.
 */
import assert from 'node:assert/strict'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, describe, it } from 'node:test'
import { multiaddr } from '@multiformats/multiaddr'
import { generateNodeKey, issueNodeToken } from '@realmesh/token'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { until } from '@realmesh/node'
import { initLeader, startLeader } from '../src/index.js'
import { Cleanup, startNode, startTestLeader } from './helpers.js'
import type { RunningLeader } from '../src/index.js'

const EPOCH_SECONDS = 2

async function leaderDir (cleanup: Cleanup, epochSeconds: number): Promise<string> {
  const base = await mkdtemp(join(tmpdir(), 'realmesh-epochs-'))
  cleanup.add(async () => { await rm(base, { recursive: true, force: true }) })
  const dir = join(base, 'leader')
  await initLeader({ dir, name: 'epochs' })
  const config = join(dir, 'leader.yaml')
  await writeFile(config, (await readFile(config, 'utf8')).replace(/^epochSeconds: \d+$/m, `epochSeconds: ${epochSeconds}`))
  return dir
}

async function start (cleanup: Cleanup, dir: string): Promise<RunningLeader> {
  const leader = await startLeader({ dir })
  cleanup.add(leader.stop)
  return leader
}

describe('leader epochs', () => {
  const cleanup = new Cleanup()
  afterEach(async () => { await cleanup.run() })

  it(`publishes epoch 1 at its first start and the next every epochSeconds (${EPOCH_SECONDS} s); a restart goes on from the current one; DIR/epochs.json is 0600`, async () => {
    const dir = await leaderDir(cleanup, EPOCH_SECONDS)
    const leader = await start(cleanup, dir)
    const epochs = leader.node.epochs
    assert.equal(epochs.epoch, 1n, 'the first epoch starts with the leader')
    const first = epochs.current
    assert.equal(first?.overlapMs, BigInt(EPOCH_SECONDS * 100), 'a tenth of an epoch')
    await until(() => epochs.epoch === 2n, [epochs], ['learnt'], { what: 'epoch 2', timeoutMs: EPOCH_SECONDS * 1000 + 5_000 })
    const second = epochs.current
    const gapMs = Number((second?.startsAtMs ?? 0n) - (first?.startsAtMs ?? 0n))
    assert.ok(gapMs >= EPOCH_SECONDS * 1000, `epoch 2 started ${gapMs} ms after epoch 1, not before its time`)
    assert.notDeepEqual(second?.salt, first?.salt)
    await leader.stop()
    const path = join(dir, 'epochs.json')
    assert.equal((await stat(path)).mode & 0o777, 0o600)
    assert.deepEqual((JSON.parse(await readFile(path, 'utf8')) as Array<{ epoch: number }>).map(e => e.epoch), [1, 2])

    // back before epoch 2 is over: still epoch 2, with its salt; epoch 3 when epoch 2 is over
    const again = await start(cleanup, dir)
    assert.equal(again.node.epochs.epoch, 2n)
    assert.deepEqual(again.node.epochs.current?.salt, second?.salt)
    await until(() => again.node.epochs.epoch === 3n, [again.node.epochs], ['learnt'], { what: 'epoch 3', timeoutMs: EPOCH_SECONDS * 1000 + 5_000 })
    assert.ok(Number((again.node.epochs.current?.startsAtMs ?? 0n) - (second?.startsAtMs ?? 0n)) >= EPOCH_SECONDS * 1000)
  })

  it('a leader that lost its epochs learns the realm\'s from a member and numbers past it; its own fresh epoch 1 goes nowhere', async () => {
    const first = await startTestLeader(cleanup)
    const key = await generateNodeKey()
    const member = await startNode(cleanup, { realm: first.realm, privateKey: key, nodeToken: await issueNodeToken(first.key, { realm: first.realm, subject: peerIdFromPrivateKey(key) }), bootstrap: [first.address] })
    await member.whenJoined({ signal: AbortSignal.timeout(10_000) })
    first.service.publishEpoch()
    const third = first.service.publishEpoch()
    await until(() => member.epochs.epoch === 3n, [member.epochs], ['learnt'], { what: 'the member to hold epoch 3' })
    await first.service.stop()
    await first.node.stop()

    // the same leader key, no state: it starts with an epoch 1 of its own
    const again = await startTestLeader(cleanup, { key: first.key, realm: first.realm })
    assert.equal(again.node.epochs.epoch, 1n)
    await member.connect(multiaddr(again.address), { signal: AbortSignal.timeout(10_000) })
    await until(() => again.node.epochs.epoch === 3n, [again.node.epochs], ['learnt'], { what: 'the leader to catch up from the member' })
    assert.deepEqual(again.node.epochs.current?.salt, third.salt)
    assert.equal(member.epochs.epoch, 3n, 'the member never took the stale epoch 1')
    assert.equal(again.service.publishEpoch().epoch, 4n)
    await until(() => member.epochs.epoch === 4n, [member.epochs], ['learnt'], { what: 'the member to take epoch 4' })
  })

  it('epochSeconds 0 publishes no epoch: the realm stays at epoch 0', async () => {
    const leader = await start(cleanup, await leaderDir(cleanup, 0))
    assert.equal(leader.node.epochs.epoch, 0n)
    assert.equal(leader.service.publishEpoch().epoch, 1n, 'the operator may still start one')
  })
})
