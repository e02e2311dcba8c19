import { describe, test, before, after } from 'node:test'
import assert from 'node:assert/strict'
import { createRealmNode, until } from '@realmesh/node'
import { ControlApi, realmRoutes } from '../src/index.js'
import { makeRealm, run } from './helpers.js'
import { generateNodeKey } from '@realmesh/token'
import type { RealmNode, RealmSummariesResult } from '@realmesh/node'

describe('realmesh realm (GET /realm)', () => {
  const nodes: RealmNode[] = []
  let api: ControlApi

  before(async () => {
    const { realm, leaderKey, issue } = await makeRealm()
    const first = await createRealmNode({ realm, privateKey: leaderKey, nodeToken: await issue(leaderKey), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: [] })
    await first.start()
    nodes.push(first)
    const key = await generateNodeKey()
    const second = await createRealmNode({ realm, privateKey: key, nodeToken: await issue(key), listen: ['/ip4/127.0.0.1/tcp/0'], bootstrap: first.listenAddrs().map(String) })
    nodes.push(second)
    await second.start()
    await second.whenJoined({ signal: AbortSignal.timeout(10_000) })
    // the joiner knows it joined before the first node has it as a member
    await until(() => nodes.every(n => n.status().members.length === 1), nodes, ['peer:joined'], { what: 'each node to have the other as a member' })
    api = await ControlApi.start({ host: '127.0.0.1', port: 0, routes: realmRoutes(first) })
  })
  after(async () => {
    await api.stop()
    await Promise.all(nodes.map(async n => n.stop()))
  })

  test('--json is both members\' verified summaries; the table has a row per member by short peer id', async () => {
    const target = ['--api', `127.0.0.1:${api.port}`, '--api-token', api.token]
    const json = await run(['realm', ...target, '--json'])
    assert.equal(json.code, 0, json.io.stderr.join('\n'))
    const result = JSON.parse(json.io.stdout.join('\n')) as RealmSummariesResult
    assert.deepEqual(result.missing, [])
    assert.deepEqual(result.summaries.map(s => s.peerId), nodes.map(n => n.peerId.toString()))
    assert.ok(result.summaries.every(s => s.members === 1 && typeof s.signed.signature === 'string'))
    const table = await run(['realm', ...target])
    assert.equal(table.code, 0)
    assert.match(table.io.stdout[0] ?? '', /^PEER\s+MEMBERS\s+TABLE\s+SUBJECTS/)
    for (const node of nodes) assert.ok(table.io.stdout.some(l => l.startsWith(`...${node.peerId.toString().slice(-8)}`)))
  })
})
