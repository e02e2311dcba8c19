// Every file in configs/ is an example a user copies: each must validate as what it claims to be.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { readdirSync, readFileSync } from 'node:fs'
import { resolve, join } from 'node:path'
import { parseLeaderConfig } from '@realmesh/leader'
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

  test('leader.yaml has every key of the leader config', () => {
    const config = parseLeaderConfig(readFileSync(join(CONFIGS, 'leader.yaml'), 'utf8'))
    assert.deepEqual(Object.keys(config).sort(), ['api', 'listen', 'maxPending', 'policy', 'realm'])
    assert.equal(config.policy.mode, 'manual')
  })
})
