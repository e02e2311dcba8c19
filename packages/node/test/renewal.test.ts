import { test } from 'node:test'
import assert from 'node:assert/strict'
import { generateNodeKey } from '@realmesh/token'
import { TokenRenewal, tokenLifetime } from '../src/leader/renewal.js'
import { makeRealm } from './fixtures.js'

// the leader's side (a member gets a renewed token) is tested with a real leader in
// packages/leader/test/token-renewal.test.ts; these are the node's timing and retry decisions

/** a token renewable for a day */
async function shortToken (ttlSeconds: number, renewUntil = Math.floor(Date.now() / 1000) + 86_400): Promise<string> {
  return (await makeRealm()).issue(await generateNodeKey(), { ttlSeconds, renewUntil })
}

test('TokenRenewal: due at the given share of the lifetime; failures are retried with backoff until a token comes', async () => {
  let token = await shortToken(3600)
  const lifetime = tokenLifetime(token)
  assert.ok(lifetime != null)
  const failures: Array<number | undefined> = []
  let asked = 0
  const renewed = new Promise<string>((resolve) => {
    const renewal = new TokenRenewal({
      token: () => token,
      request: async () => {
        if (++asked < 3) throw Object.assign(new Error('leader unreachable'), { code: 'UNREACHABLE' })
        return 'the-new-token'
      },
      onRenewed: async (next) => { token = next; renewal.stop(); resolve(next) },
      onFailed: (_err, delayMs) => { failures.push(delayMs) },
      now: Date.now
    }, { at: 0, backoff: { baseMs: 10, maxMs: 20 } })
    assert.equal(renewal.dueAt(), lifetime.iat * 1000, 'at: 0 is due when issued')
    renewal.start()
  })
  assert.equal(await renewed, 'the-new-token')
  assert.equal(asked, 3)
  assert.equal(failures.length, 2)
  assert.ok(failures.every(d => d != null && d > 0 && d <= 20), String(failures))
  assert.equal(new TokenRenewal({ token: () => undefined, request: async () => '', onRenewed: async () => {}, now: Date.now }).dueAt(), undefined)
})

test('TokenRenewal: a failure whose retry would come after the expiry is the last (retryInMs undefined)', async () => {
  const token = await shortToken(1)
  let asked = 0
  const failed = new Promise<number | undefined>((resolve) => {
    const renewal = new TokenRenewal({
      token: () => token,
      request: async () => { asked++; throw new Error('denied') },
      onRenewed: async () => {},
      onFailed: (_err, delayMs) => { renewal.stop(); resolve(delayMs) },
      now: Date.now
    }, { at: 0, backoff: { baseMs: 8_000, maxMs: 8_000 } })
    renewal.start()
  })
  // the smallest backoff delay is a quarter of the base (2 s): past a 1 s token's expiry
  assert.equal(await failed, undefined)
  assert.equal(asked, 1)
})

test('TokenRenewal: a token without renewUntil, or whose grant ends with it, is never asked about; its expiry is told (onExpired)', async () => {
  const realm = await makeRealm()
  const notRenewable = await realm.issue(await generateNodeKey(), { ttlSeconds: 1 })
  const grantOver = await realm.issue(await generateNodeKey(), { ttlSeconds: 1, renewUntil: Math.floor(Date.now() / 1000) + 1 })
  for (const token of [notRenewable, grantOver]) {
    let asked = 0
    const expired = new Promise<number>((resolve) => {
      const renewal = new TokenRenewal({
        token: () => token,
        request: async () => { asked++; return 'never' },
        onRenewed: async () => {},
        onExpired: (_token, exp) => { renewal.stop(); resolve(exp) },
        now: Date.now
      }, { at: 0 })
      assert.equal(renewal.dueAt(), undefined, 'not due: not renewable')
      renewal.start()
    })
    assert.equal(await expired, tokenLifetime(token)?.exp)
    assert.equal(asked, 0)
  }
})
