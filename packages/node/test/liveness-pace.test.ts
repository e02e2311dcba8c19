/**
 * How often a member gets a keepalive (membership/liveness.ts): every interval for a member of the
 * neighbourhood or one with news to tell, every far interval for the rest, and at the near pace
 * again for a far member that missed one. Driven by hand on a fake clock.
 */
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateKeyPair } from '@libp2p/crypto/keys'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { Membership } from '../src/membership/membership.js'
import { Liveness } from '../src/membership/liveness.js'
import type { Member } from '../src/membership/membership.js'
import type { VerifiedNode } from '../src/handshake/handshake.js'
import type { Timers } from '../src/util/timers.js'

test('liveness: near members every interval, far ones every far interval, a far one that missed at the near pace', async () => {
  let clock = 0
  const membership = new Membership({ now: () => clock })
  for (let i = 0; i < 2; i++) {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const node = { claims: { exp: 1e9 } } as unknown as VerifiedNode
    membership.admit({ peerId, node, identity: node as never, addrs: [] })
  }
  const [near, far] = membership.list() as [Member, Member]
  let tick: () => void = () => {}
  const timers: Timers = {
    setInterval: (fn) => { tick = fn; return { clear: () => {} } },
    setTimeout: () => ({ clear: () => {} })
  }
  const sent: string[] = []
  let answer = true
  const liveness = new Liveness({
    membership,
    now: () => clock,
    send: async (member) => {
      sent.push(member.id)
      if (!answer && member === far) throw new Error('no answer')
      return []
    },
    piggyFor: () => [],
    onPiggy: async () => {},
    onTimeout: () => {},
    onAlive: () => {},
    far: (member) => member === far,
    timers
  }, { intervalMs: 1_000, farIntervalMs: 4_000, timeoutMs: 500 })
  assert.equal(liveness.farIntervalMs, 4_000)
  assert.ok(liveness.farDetectionBoundMs > liveness.detectionBoundMs)
  liveness.start()
  const run = async (): Promise<string[]> => {
    sent.length = 0
    tick()
    // the probes' promises settle before the next step
    await new Promise(resolve => setImmediate(resolve))
    return [...sent]
  }
  const count = { near: 0, far: 0 }
  for (let t = 250; t <= 8_000; t += 250) {
    clock = t
    for (const id of await run()) {
      if (id === near.id) count.near++
      else count.far++
    }
  }
  assert.equal(count.near, 8, 'near: once a second for 8 s')
  assert.equal(count.far, 2, 'far: once every 4 s')
  // the far member stops answering: it is asked again a quarter interval later, not 4 s later
  answer = false
  clock = 12_000
  assert.ok((await run()).includes(far.id))
  assert.equal(far.failures, 1)
  clock = 12_250
  assert.ok((await run()).includes(far.id), 'asked again at the near pace')
  liveness.stop()
})

test('liveness: whether a member is far is asked again only at a new membership version, or a minute after it said far', async () => {
  let clock = 0
  const membership = new Membership({ now: () => clock })
  const admit = async (): Promise<Member> => {
    const peerId = peerIdFromPrivateKey(await generateKeyPair('Ed25519'))
    const node = { claims: { exp: 1e9 } } as unknown as VerifiedNode
    return membership.admit({ peerId, node, identity: node as never, addrs: [] })
  }
  const far = await admit()
  let tick: () => void = () => {}
  const timers: Timers = {
    setInterval: (fn) => { tick = fn; return { clear: () => {} } },
    setTimeout: () => ({ clear: () => {} })
  }
  let asked = 0
  let sent = 0
  const liveness = new Liveness({
    membership,
    now: () => clock,
    send: async () => { sent++; return [] },
    piggyFor: () => [],
    onPiggy: async () => {},
    onTimeout: () => {},
    onAlive: () => {},
    far: (member) => { if (member !== far) return false; asked++; return true },
    timers
  }, { intervalMs: 1_000, farIntervalMs: 4_000, timeoutMs: 500 })
  liveness.start()
  const until = async (end: number): Promise<void> => {
    for (; clock < end; clock += 250) {
      tick()
      await new Promise(resolve => setImmediate(resolve))
    }
  }
  await until(59_000)
  assert.equal(asked, 1, 'asked once in the first minute (every tick before: some 180 times)')
  assert.equal(sent, 14, 'still a keepalive every far interval')
  await until(65_000)
  assert.equal(asked, 2, 'asked again a minute after it said far')
  await admit()
  await until(69_000)
  assert.equal(asked, 3, 'asked again when the membership changed (at the next tick that finds the member silent), not a minute later')
  liveness.stop()
})
