// The --audience syntax (and the API's audience field): what each form means, and that a bad
// value is an error naming the flag (or the field).
import { test } from 'node:test'
import assert from 'node:assert/strict'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { generateNodeKey } from '@realmesh/token'
import { MAX_AUDIENCE_IDS, audienceFlag, audienceFromJson } from '../src/audience.js'

const id = async (): Promise<string> => peerIdFromPrivateKey(await generateNodeKey()).toString()

test('--audience: peer ids (comma-separated and repeated, once each), attr:NAME=VALUE, public; none is undefined', async () => {
  const [a, b, c] = [await id(), await id(), await id()]
  assert.equal(audienceFlag(undefined), undefined)
  assert.deepEqual(audienceFlag([a]), { kind: 'identities', ids: [a] })
  assert.deepEqual(audienceFlag([`${a},${b}`, c, a]), { kind: 'identities', ids: [a, b, c] })
  assert.deepEqual(audienceFlag([`${a}, ${b}`]), { kind: 'identities', ids: [a, b] }, 'spaces after commas')
  assert.deepEqual(audienceFlag(['attr:role=sensor']), { kind: 'attribute', name: 'role', value: 'sensor' })
  assert.deepEqual(audienceFlag(['attr:site=a,b=c']), { kind: 'attribute', name: 'site', value: 'a,b=c' }, 'the value is all after the first =')
  assert.deepEqual(audienceFlag(['public']), { kind: 'public' })
})

test('--audience: every bad value is a UsageError naming the flag', async () => {
  const a = await id()
  const cases: Array<[string[], RegExp]> = [
    [['not-a-peer'], /expected a peer id/],
    [[`${a},`], /expected a peer id/],
    [['QmYyQSo1c1Ym7orWxLYvCrM2EmxFTANf8wXmmE7DWjhx5N'], /Ed25519 peer id/],
    [['attr:role'], /attr:NAME=VALUE/],
    [['attr:=x'], /attribute name/],
    [[`attr:role=x`, a], /alone/],
    [['attr:a=1', 'attr:b=2'], /alone/],
    [[`public,${a}`], /public is alone/],
    [[''], /expected a peer id/]
  ]
  for (const [values, message] of cases) {
    assert.throws(() => audienceFlag(values), (err: Error & { code?: string }) => err.name === 'UsageError' && err.code === 'USAGE' && err.message.startsWith('--audience: ') && message.test(err.message), JSON.stringify(values))
  }
  const many = await Promise.all(Array.from({ length: MAX_AUDIENCE_IDS + 1 }, id))
  assert.throws(() => audienceFlag([many.join(',')]), /--audience: at most 64 identities/)
})

test('the API\'s audience field: an Audience as JSON, checked the same way', async () => {
  const a = await id()
  assert.equal(audienceFromJson(undefined), undefined)
  assert.deepEqual(audienceFromJson({ kind: 'identities', ids: [a, a] }), { kind: 'identities', ids: [a] })
  assert.deepEqual(audienceFromJson({ kind: 'attribute', name: 'role', value: 'x' }), { kind: 'attribute', name: 'role', value: 'x' })
  for (const bad of [null, 'public', { kind: 'everyone' }, { kind: 'identities', ids: 'x' }, { kind: 'identities', ids: [] }, { kind: 'identities', ids: ['nope'] }, { kind: 'attribute', name: 'a' }]) {
    assert.throws(() => audienceFromJson(bad), (err: Error) => err.name === 'AudienceProblem' || err.constructor.name === 'AudienceProblem', JSON.stringify(bad))
  }
})
