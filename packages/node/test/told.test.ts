import { test } from 'node:test'
import assert from 'node:assert/strict'
import { ToldRecords } from '../src/membership/told.js'

test('told records: a member holds a record at its seq or older ones; a newer seq is news; entries end with their hour', () => {
  let now = 0
  const told = new ToldRecords(() => now)
  assert.equal(told.holds('m', 'p', 1n), false)
  told.add('m', 'p', 2n)
  assert.equal(told.holds('m', 'p', 1n), true)
  assert.equal(told.holds('m', 'p', 2n), true)
  assert.equal(told.holds('m', 'p', 3n), false, 'a newer record of p is news to m')
  told.add('m', 'p', 1n)
  assert.equal(told.holds('m', 'p', 2n), true, 'an older record does not take back what m holds')
  assert.equal(told.holds('other', 'p', 2n), false)
  now += 3_600_001
  assert.equal(told.holds('m', 'p', 2n), false, 'offered again after an hour')
  told.add('m', 'p', 2n)
  told.forget('m')
  assert.equal(told.holds('m', 'p', 2n), false)
})

test('told records are bounded per member: past 256 the oldest is forgotten (offered again), the newest kept', () => {
  const told = new ToldRecords()
  for (let i = 0; i < 300; i++) told.add('m', `p${i}`, 1n)
  assert.equal(told.holds('m', 'p0', 1n), false)
  assert.equal(told.holds('m', 'p299', 1n), true)
  assert.equal(told.holds('m', 'p44', 1n), true)
})
