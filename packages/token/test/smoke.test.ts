import { test } from 'node:test'
import assert from 'node:assert/strict'

test('workspace builds and runs tests on node >= 22', () => {
  const major = Number(process.versions.node.split('.')[0])
  assert.ok(major >= 22, `node ${process.versions.node}`)
})
