/**
 * leader.yaml: defaults, the rendered file round-trips, and every bad value is reported with its
 * path and what was expected.
 */
import assert from 'node:assert/strict'
import { describe, it } from 'node:test'
import { defaultLeaderConfig, joinSecretWarning, LeaderConfigError, parseLeaderConfig, renderLeaderConfig, validateTokenPolicy } from '../src/index.js'
import { createRealmDescriptor, generateNodeKey } from '@realmesh/token'

function problemsOf (fn: () => unknown): Array<{ path: string, expected: string }> {
  try {
    fn()
  } catch (err) {
    assert.ok(err instanceof LeaderConfigError, `expected a LeaderConfigError, got ${String(err)}`)
    assert.equal(err.code, 'CONFIG_INVALID')
    assert.equal(err.path, err.problems[0]?.path)
    return err.problems.map(p => ({ path: p.path, expected: p.expected }))
  }
  assert.fail('expected the config to be refused')
}

describe('leader config', () => {
  it('has documented defaults', () => {
    assert.deepEqual(defaultLeaderConfig('r1'), {
      realm: { name: 'r1' },
      policy: { mode: 'manual', ttlSeconds: 86400, renewable: true, maxLifetimeSeconds: 31_536_000, deferred: 'manual' },
      listen: ['/ip4/127.0.0.1/tcp/0'],
      api: '127.0.0.1:0',
      maxPending: 1000,
      requests: { maxPendingPerAddress: 10, addressRate: { burst: 10, perMinute: 6 }, globalRate: { burst: 100, perMinute: 60 }, expireSeconds: 86400, graceSeconds: 60 },
      joinProofs: { backoffSeconds: 1, banAfter: 5, banSeconds: 3600 },
      epochSeconds: 3600,
      subjects: { defaultDeny: false, decisionTtlSeconds: 60, rules: [] }
    })
  })

  it('subjects: rules parse back from the rendered file; every bad value is reported with its path', () => {
    const config = defaultLeaderConfig('r1')
    config.subjects = { defaultDeny: true, decisionTtlSeconds: 30, rules: [{ subject: 'orders.*', send: ['attr:team=red', '*'], receive: ['12D3KooWEhXwubCspG3PHugGZFDvkMDifKVBeAMswgnsaKRccg2A'] }] }
    assert.deepEqual(parseLeaderConfig(renderLeaderConfig(config)).subjects, config.subjects)
    const bad = renderLeaderConfig(defaultLeaderConfig('r1')).replace(/^subjects:[\s\S]*?rules: \[\]$/m, 'subjects:\n  defaultDeny: maybe\n  decisionTtlSeconds: 0\n  rules: [{ subject: "", send: ["nobody"] }, { subject: "x" }, { subject: "y", recieve: ["*"] }]')
    assert.throws(() => parseLeaderConfig(bad), (err: Error & { problems?: Array<{ path: string }> }) => {
      assert.deepEqual(err.problems?.map(p => p.path), ['subjects.defaultDeny', 'subjects.decisionTtlSeconds', 'subjects.rules[0].subject', 'subjects.rules[0].send[0]', 'subjects.rules[1]', 'subjects.rules[2].recieve', 'subjects.rules[2]'])
      return true
    })
  })

  it('renders a file that parses back to the same config, comments and all', () => {
    const config = defaultLeaderConfig('r1')
    assert.deepEqual(parseLeaderConfig(renderLeaderConfig(config)), config)
    const auto = {
      ...config,
      policy: { mode: 'auto' as const, joinSecret: 'a "quoted"\nsecret', ttlSeconds: 60, renewable: false, maxLifetimeSeconds: 600, deferred: 'approve' as const, allowedAttributes: { role: ['user', 'sensor'], host: '*' as const } },
      listen: ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'],
      api: '[::1]:7300',
      maxPending: 5,
      requests: { maxPendingPerAddress: 2, addressRate: { burst: 3, perMinute: 1 }, globalRate: { burst: 7, perMinute: 9 }, expireSeconds: 3600, graceSeconds: 30 },
      joinProofs: { backoffSeconds: 2, banAfter: 3, banSeconds: 600 },
      epochSeconds: 0,
      metrics: { enabled: true, listen: '0.0.0.0:9464' },
      log: { format: 'json' as const, level: 'debug' as const }
    }
    assert.deepEqual(parseLeaderConfig(renderLeaderConfig(auto)), auto)
    const names = { ...config, policy: { ...config.policy, allowedAttributes: ['hostname'] } }
    assert.deepEqual(parseLeaderConfig(renderLeaderConfig(names)), names)
    assert.match(renderLeaderConfig(config), /# how node-token requests are answered/)
  })

  it('reports bad metrics and log sections at their paths', () => {
    const problems = problemsOf(() => parseLeaderConfig('realm: { name: r }\nmetrics: { enabled: maybe, listen: nowhere, port: 1 }\nlog: { format: xml, level: loud }\n'))
    assert.deepEqual(problems.map(p => p.path).sort(), ['log.format', 'log.level', 'metrics.enabled', 'metrics.listen', 'metrics.port'])
  })

  it('fills defaults for what a minimal file leaves out', () => {
    assert.deepEqual(parseLeaderConfig('realm:\n  name: small\n'), defaultLeaderConfig('small'))
  })

  it('reports a bad mode at policy.mode with the expected values', () => {
    const problems = problemsOf(() => parseLeaderConfig('realm: { name: r }\npolicy:\n  mode: automatic\n'))
    assert.deepEqual(problems.map(p => p.path), ['policy.mode'])
    assert.match(problems[0]?.expected ?? '', /auto, manual, deny/)
  })

  it('reports policy.joinSecret when mode is auto without a secret', () => {
    const problems = problemsOf(() => parseLeaderConfig('realm: { name: r }\npolicy: { mode: auto }\n'))
    assert.deepEqual(problems.map(p => p.path), ['policy.joinSecret'])
  })

  it('reports every bad value at once, and unknown keys', () => {
    const problems = problemsOf(() => parseLeaderConfig([
      'realm: { name: "has spaces" }',
      'polcy: {}',
      'policy: { ttlSeconds: -5, deferred: later, joinSecret: "" }',
      'listen: ["/ip4/1.2.3.4/tcp/1/p2p/12D3KooWD3eckifWpRn9wQpMG9R9hX3sD158z7EqHWmweQAJU5SA", "not an address"]',
      'api: "localhost"',
      'maxPending: 0',
      'requests: { maxPendingPerAddress: -1, addressRate: { burst: 0, perMinute: 1.5 }, globalRate: 5, graceSecs: 3 }',
      'joinProofs: { backoffSeconds: "1s", banAfter: 0 }',
      'epochSeconds: -1'
    ].join('\n')))
    assert.deepEqual(problems.map(p => p.path).sort(), [
      'api', 'epochSeconds', 'listen[0]', 'listen[1]', 'maxPending', 'policy.deferred', 'policy.joinSecret', 'policy.ttlSeconds', 'polcy', 'realm.name',
      'requests.maxPendingPerAddress', 'requests.addressRate.burst', 'requests.addressRate.perMinute', 'requests.globalRate', 'requests.graceSecs',
      'joinProofs.backoffSeconds', 'joinProofs.banAfter'
    ].sort())
  })

  it('reports allowedAttributes that are neither names nor a mapping of allowed values', () => {
    const problems = problemsOf(() => parseLeaderConfig([
      'realm: { name: r }',
      'policy: { allowedAttributes: { role: admin, site: [], ok: "*", fine: [a, b] } }'
    ].join('\n')))
    assert.deepEqual(problems.map(p => p.path), ['policy.allowedAttributes.role', 'policy.allowedAttributes.site'])
    assert.deepEqual(problemsOf(() => parseLeaderConfig('realm: { name: r }\npolicy: { allowedAttributes: [role, 7] }\n')).map(p => p.path), ['policy.allowedAttributes[1]'])
    assert.deepEqual(problemsOf(() => parseLeaderConfig('realm: { name: r }\npolicy: { allowedAttributes: role }\n')).map(p => p.path), ['policy.allowedAttributes'])
  })

  it('warns of a join secret shorter than 16 characters, without quoting it', () => {
    assert.equal(joinSecretWarning(undefined), undefined)
    assert.equal(joinSecretWarning('sixteen chars ok'), undefined)
    const warning = joinSecretWarning('s3cret')
    assert.match(warning ?? '', /6 characters/)
    assert.doesNotMatch(warning ?? '', /s3cret/)
  })

  it('never shows the join secret in an error', () => {
    try {
      parseLeaderConfig('realm: { name: r }\npolicy: { joinSecret: 12345 }\n')
      assert.fail('expected a refusal')
    } catch (err) {
      assert.ok(err instanceof LeaderConfigError)
      assert.equal(err.path, 'policy.joinSecret')
      assert.doesNotMatch(err.message, /12345/)
    }
  })

  it('reports YAML that does not parse, and a document that is not a mapping', () => {
    assert.deepEqual(problemsOf(() => parseLeaderConfig('realm: [unclosed\n')).map(p => p.path).slice(0, 1), [''])
    assert.deepEqual(problemsOf(() => parseLeaderConfig('- a\n- b\n')).map(p => p.path), [''])
    assert.deepEqual(problemsOf(() => parseLeaderConfig('')).map(p => p.path), [''])
  })

  it('checks a policy against the realm it serves', async () => {
    const realm = createRealmDescriptor({ name: 'r', leaderKey: await generateNodeKey(), policy: { maxTokenTtlSeconds: 3600 } })
    assert.deepEqual(validateTokenPolicy({ mode: 'manual', ttlSeconds: 3600, deferred: 'manual' }, realm), { mode: 'manual', ttlSeconds: 3600, renewable: true, maxLifetimeSeconds: 31_536_000, deferred: 'manual' })
    const problems = problemsOf(() => validateTokenPolicy({ mode: 'manual', ttlSeconds: 7200, deferred: 'manual' }, realm))
    assert.deepEqual(problems.map(p => p.path), ['policy.ttlSeconds'])
  })
})
