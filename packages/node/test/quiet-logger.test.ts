import { test, after } from 'node:test'
import assert from 'node:assert/strict'
import { enable, disable } from '@libp2p/logger'
import { loggerFor, quietLogger } from '../src/util/quiet-logger.js'
import { Harness, makeRealm, addrs } from './fixtures.js'

/** puts back what DEBUG turned on when the test process started */
function restoreDebug (): void {
  disable()
  const namespaces = process.env.DEBUG
  if (namespaces != null && namespaces !== '') enable(namespaces)
}

test('quiet logger: a namespace nothing enables gets a silent logger, and so do its scopes', () => {
  const log = quietLogger().forComponent('realmesh-test-quiet:off')
  assert.equal(log.enabled, false)
  assert.equal((log as unknown as { namespace: string }).namespace, 'realmesh-test-quiet:off')
  // calling any of it is harmless
  log('a %s', 'message')
  log.error('an error %e', new Error('x'))
  log.trace('a trace')
  const scoped = log.newScope('outbound:7')
  assert.equal(scoped.enabled, false)
  assert.equal((scoped as unknown as { namespace: string }).namespace, 'realmesh-test-quiet:off:outbound:7')
})

test('quiet logger: a namespace DEBUG enables gets libp2p\'s own logger, also as the scope of a silent one', (t) => {
  t.after(restoreDebug)
  enable('realmesh-test-quiet:on*')
  const on = loggerFor('realmesh-test-quiet:on')
  assert.equal(on.enabled, true)
  assert.equal(typeof on.newScope, 'function')
  assert.equal(on.newScope('child').enabled, true)
  // the parent is silent, the scope below it is turned on: the scope logs
  enable('realmesh-test-quiet:parent:loud')
  const parent = loggerFor('realmesh-test-quiet:parent')
  assert.equal(parent.enabled, false)
  assert.equal(parent.newScope('loud').enabled, true)
  assert.equal(parent.newScope('quiet').enabled, false)
  // only its errors turned on: still a real logger, whose errors log
  enable('realmesh-test-quiet:errors:error')
  const errors = loggerFor('realmesh-test-quiet:errors')
  assert.equal((errors.error as unknown as { enabled: boolean }).enabled, true)
})

const h = new Harness()
after(async () => { await h.stopAll() })

test('quiet logger: a realm node\'s streams carry silent loggers when DEBUG is off', { skip: process.env.DEBUG != null && process.env.DEBUG !== '' ? 'DEBUG is set' : false }, async () => {
  const realm = await makeRealm()
  const a = await h.node(realm)
  const b = await h.node(realm, { bootstrap: addrs(a).map(String) })
  await b.whenJoined({ signal: AbortSignal.timeout(10_000) })
  const stream = await b.libp2p.dialProtocol(a.peerId, '/ipfs/ping/1.0.0', { signal: AbortSignal.timeout(10_000) })
  try {
    assert.equal(stream.log.enabled, false)
    assert.match(String((stream.log as unknown as { namespace: string }).namespace), /:outbound:\d+$/)
  } finally {
    stream.abort(new Error('test done'))
  }
})
