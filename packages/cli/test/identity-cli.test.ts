// Identities from the command line, in-process and before any network: `identity init`, identity
// tokens from `token issue --identity`, what `node start` makes of an identity it is given (copied
// into its data dir; refused, with the realm's code and exit 2, when members would refuse it), and
// `leader replace` with the leader directory alone.
import { describe, test, after, before } from 'node:test'
import assert from 'node:assert/strict'
import { readFile, stat, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { decodeTokenUnverified, fingerprintHex, issueIdentityToken, parseRealmDescriptor, readKeyFile, verifyIdentityToken, verifyNodeToken } from '@realmesh/token'
import { TempDirs, errorCode, messages, run } from './helpers.js'
import type { RecordingIo } from './helpers.js'
import type { RealmDescriptor } from '@realmesh/token'

async function ok (argv: string[]): Promise<string> {
  const { code, io } = await run(argv)
  assert.equal(code, 0, io.stderr.join('\n'))
  return io.stdout.join('\n')
}

describe('identities (in-process)', () => {
  const temp = new TempDirs()
  let leader: string
  let realm: RealmDescriptor
  before(async () => {
    leader = join(await temp.make(), 'leader')
    await ok(['leader', 'init', '--name', 'ids', '--dir', leader])
    realm = parseRealmDescriptor(await readFile(join(leader, 'realm.json'), 'utf8'))
  })
  after(async () => { await temp.cleanup() })

  /** a node dir with its key and a node token file beside it */
  async function node (): Promise<{ dir: string, peer: string, token: string }> {
    const root = await temp.make()
    const dir = join(root, 'node')
    const peer = await ok(['node', 'init', '--dir', dir])
    const token = join(root, 'node.token')
    await ok(['token', 'issue', '--dir', leader, '--peer', peer, '--out', token])
    return { dir, peer, token }
  }

  async function identity (): Promise<{ dir: string, peer: string }> {
    const dir = join(await temp.make(), 'identity')
    return { dir, peer: await ok(['identity', 'init', '--dir', dir]) }
  }

  test('identity init prints only the peer id, writes identity.key 0600, and keeps an existing key', async () => {
    const dir = await temp.make()
    const first = await run(['identity', 'init', '--dir', dir])
    assert.equal(first.code, 0)
    assert.deepEqual(first.io.stdout.length, 1)
    assert.match(first.io.stdout[0] ?? '', /^12D3KooW[1-9A-HJ-NP-Za-km-z]+$/)
    assert.equal((await stat(join(dir, 'identity.key'))).mode & 0o777, 0o600)
    const again = await run(['identity', 'init', '--dir', dir])
    assert.equal(again.code, 1)
    assert.equal(errorCode(again.io), 'KEY_FILE_EXISTS')
    assert.match(again.io.stderr.join('\n'), new RegExp(first.io.stdout[0] ?? 'x'))
  })

  test('token issue --identity --node: an identity token bound to the node, logged as kind identity', async () => {
    const { peer: nodePeer } = await node()
    const { peer: id } = await identity()
    const out = join(await temp.make(), 'id.token')
    const { code, io } = await run(['token', 'issue', '--dir', leader, '--identity', id, '--node', nodePeer, '--attr', 'team=ops', '--ttl', '2h', '--out', out])
    assert.equal(code, 0, io.stderr.join('\n'))
    assert.deepEqual(io.stderr, [`identity token for ${id} on node ${nodePeer} written to ${out} (0600)`])
    assert.equal((await stat(out)).mode & 0o777, 0o600)
    const verified = await verifyIdentityToken((await readFile(out, 'utf8')).trim(), { realm, expectedNode: nodePeer })
    assert.equal(verified.claims.sub, id)
    assert.equal(verified.claims.ext?.node, fingerprintHex(nodePeer))
    assert.deepEqual(verified.claims.ext?.attrs, { team: 'ops' })
    assert.equal(verified.claims.exp - verified.claims.iat, 7200)
    const last = JSON.parse((await readFile(join(leader, 'issued.jsonl'), 'utf8')).trim().split('\n').at(-1) ?? '{}') as Record<string, unknown>
    assert.deepEqual([last.kind, last.peer, last.node, last.jti], ['identity', id, nodePeer, verified.claims.jti])
  })

  test('token issue: --peer or --identity, --node only with --identity, no --renewable identity', async () => {
    const { peer } = await node()
    const { peer: id } = await identity()
    for (const argv of [
      ['--peer', peer, '--identity', id, '--node', peer],
      ['--peer', peer, '--node', peer],
      ['--identity', id, '--node', peer, '--renewable'],
      ['--identity', id],
      []
    ]) {
      const { code, io } = await run(['token', 'issue', '--dir', leader, ...argv])
      assert.equal(code, 1, argv.join(' '))
      assert.equal(errorCode(io), 'USAGE', io.stderr.join('\n'))
    }
  })

  test('node start --identity --identity-token: both are kept in the data dir; one without the other, or another identity\'s token, is refused before the network', async () => {
    const n = await node()
    const id = await identity()
    const other = await identity()
    const realmFile = join(leader, 'realm.json')
    const tokenOf = async (identityPeer: string, nodePeer: string): Promise<string> => {
      const file = join(await temp.make(), 'id.token')
      await ok(['token', 'issue', '--dir', leader, '--identity', identityPeer, '--node', nodePeer, '--out', file])
      return file
    }
    const start = async (extra: string[]): Promise<{ code: number, io: RecordingIo }> => run(['node', 'start', '--dir', n.dir, '--realm', realmFile, '--token', n.token, ...extra])

    const missingDir = await start(['--identity', join(n.dir, 'nowhere')])
    assert.equal(errorCode(missingDir.io), 'IDENTITY_KEY_MISSING')
    const keyOnly = await start(['--identity', id.dir])
    assert.equal(keyOnly.code, 1)
    assert.equal(errorCode(keyOnly.io), 'IDENTITY_TOKEN_MISSING')
    assert.equal((await stat(join(n.dir, 'identity.key'))).mode & 0o777, 0o600, 'the key was copied in')
    const mismatch = await start(['--identity-token', await tokenOf(other.peer, n.peer)])
    assert.equal(mismatch.code, 1)
    assert.equal(errorCode(mismatch.io), 'IDENTITY_MISMATCH')
    assert.equal((await stat(join(n.dir, 'identity.token'))).mode & 0o777, 0o600)

    // bound to another node, or expired: the realm would refuse it, so the daemon does, with exit 2
    const elsewhere = await start(['--identity-token', await tokenOf(id.peer, (await node()).peer)])
    assert.equal(elsewhere.code, 2)
    assert.match(messages(elsewhere.io).join('\n'), new RegExp(`^refused: TOKEN_NODE_MISMATCH \\(identity token of ${id.peer}: `, 'm'))
    assert.ok(!messages(elsewhere.io).some(l => l.startsWith('listening on')), 'refused before it listened')
    const leaderKey = await readKeyFile(join(leader, 'leader.key'))
    const expired = join(await temp.make(), 'expired.token')
    await writeFile(expired, await issueIdentityToken(leaderKey, { realm, subject: id.peer, node: n.peer, ttlSeconds: 60, now: () => Date.now() - 3_600_000 }))
    const late = await start(['--identity-token', expired])
    assert.equal(late.code, 2)
    assert.match(messages(late.io).join('\n'), /^refused: TOKEN_EXPIRED \(identity token of /m)
  })

  test('node init --force drops the identity token too (it is bound to the old peer id)', async () => {
    const n = await node()
    const id = await identity()
    await ok(['token', 'issue', '--dir', leader, '--identity', id.peer, '--node', n.peer, '--out', join(n.dir, 'identity.token')])
    await ok(['node', 'init', '--dir', n.dir, '--force'])
    await assert.rejects(readFile(join(n.dir, 'identity.token')), { code: 'ENOENT' })
  })

  test('leader replace with the leader dir: --out writes node.token and identity.token (0600); usage errors name what is missing', async () => {
    const old = await node()
    const next = await node()
    const id = await identity()
    await ok(['token', 'issue', '--dir', leader, '--identity', id.peer, '--node', old.peer, '--attr', 'team=ops'])
    assert.equal(errorCode((await run(['leader', 'replace', old.peer, '--dir', leader])).io), 'USAGE')
    assert.equal(errorCode((await run(['leader', 'replace', old.peer, next.peer, '--dir', leader])).io), 'USAGE', 'neither --out nor --json')
    assert.equal(errorCode((await run(['leader', 'replace', old.peer, 'nope', '--dir', leader, '--json'])).io), 'PEER_ID_INVALID')

    const out = join(await temp.make(), 'new')
    const { code, io } = await run(['leader', 'replace', old.peer, next.peer, '--dir', leader, '--out', out])
    assert.equal(code, 0, io.stderr.join('\n'))
    assert.match(io.stdout[0] ?? '', new RegExp(`^revoked ${old.peer} \\(every token\\), seq \\d+, until `))
    assert.match(io.stdout[1] ?? '', new RegExp(`^node token for ${next.peer} \\(expires .*, not renewable\\) written to ${join(out, 'node.token')} \\(0600\\)$`))
    assert.match(io.stdout[2] ?? '', new RegExp(`^identity token for ${id.peer} on ${next.peer} \\(expires .*, attributes team=ops\\) written to ${join(out, 'identity.token')} \\(0600\\)$`))
    for (const file of ['node.token', 'identity.token']) assert.equal((await stat(join(out, file))).mode & 0o777, 0o600)
    await verifyNodeToken((await readFile(join(out, 'node.token'), 'utf8')).trim(), { realm, expectedPeer: next.peer })
    const identityToken = (await readFile(join(out, 'identity.token'), 'utf8')).trim()
    assert.equal((decodeTokenUnverified(identityToken).claims as { sub: string }).sub, id.peer)
    await verifyIdentityToken(identityToken, { realm, expectedNode: next.peer })
    // run again (say, the tokens were lost): the old node, revoked already, is not revoked twice
    const again = await run(['leader', 'replace', old.peer, next.peer, '--dir', leader, '--json'])
    assert.equal(again.code, 0, again.io.stderr.join('\n'))
    assert.deepEqual((JSON.parse(again.io.stdout.join('\n')) as { revocations: unknown[] }).revocations, [], 'not revoked twice')
  })
})
