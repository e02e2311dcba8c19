// Every file in configs/ is an example a user copies: each must validate as what it claims to be.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { resolve, join } from 'node:path'
import { defaultLeaderConfig, parseLeaderConfig } from '@realmesh/leader'
import { checkLocalRealmConfig, checkNodeConfig, parseConfig, LOCAL_REALM_DEFAULTS, NODE_DEFAULTS } from '../src/index.js'

// packages/cli/dist/test -> the repository root
const CONFIGS = resolve(import.meta.dirname, '../../../../configs')

const VALIDATORS: Record<string, (text: string, file: string) => unknown> = {
  'node.yaml': (text, file) => parseConfig(text, checkNodeConfig, file),
  'leader.yaml': (text) => parseLeaderConfig(text),
  'local-realm.yaml': (text, file) => parseConfig(text, checkLocalRealmConfig, file)
}

describe('configs/', () => {
  const files = readdirSync(CONFIGS).filter(f => f.endsWith('.yaml') || f.endsWith('.yml')).sort()

  test('holds the three example configs, and nothing this test does not check', () => {
    assert.deepEqual(files, Object.keys(VALIDATORS).sort())
  })

  for (const file of files) {
    test(`${file} validates`, () => {
      const path = join(CONFIGS, file)
      const validate = VALIDATORS[file]
      assert.ok(validate != null, `no validator for configs/${file}`)
      validate(readFileSync(path, 'utf8'), path)
    })
  }

  test('node.yaml spells out every option, at the documented defaults', () => {
    const config = parseConfig(readFileSync(join(CONFIGS, 'node.yaml'), 'utf8'), checkNodeConfig)
    const { joinSecret, ...rest } = config
    assert.equal(joinSecret, undefined, 'the example must not carry a join secret')
    assert.deepEqual(rest, NODE_DEFAULTS)
  })

  test('local-realm.yaml is the demo\'s defaults', () => {
    const config = parseConfig(readFileSync(join(CONFIGS, 'local-realm.yaml'), 'utf8'), checkLocalRealmConfig)
    assert.deepEqual(config, LOCAL_REALM_DEFAULTS)
  })

  test('leader.yaml has every key of the leader config, at the defaults', () => {
    const text = readFileSync(join(CONFIGS, 'leader.yaml'), 'utf8')
    const config = parseLeaderConfig(text)
    assert.deepEqual(Object.keys(config).sort(), ['api', 'epochSeconds', 'joinProofs', 'listen', 'maxPending', 'policy', 'realm', 'requests', 'subjects'])
    const { allowedAttributes, ...policy } = config.policy
    assert.deepEqual(allowedAttributes, [], 'spelled out: none allowed')
    assert.deepEqual({ ...config, realm: { name: 'r' }, policy }, defaultLeaderConfig('r'))
    // the one key left as a comment: a secret has no default
    assert.match(text, /^ {2}# joinSecret: /m)
  })
})
