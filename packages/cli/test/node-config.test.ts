import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { ConfigError, parseConfig, validateNodeConfig, checkNodeConfig } from '../src/index.js'
import { mdnsOf } from '../src/config/node-config.js'

function refused (value: unknown): ConfigError {
  try {
    validateNodeConfig(value)
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected a ConfigError, got ${String(err)}`)
    assert.equal(err.code, 'CONFIG_INVALID')
    return err
  }
  assert.fail(`accepted ${JSON.stringify(value)}`)
}

const PEER = '12D3KooWKsJyG1H839btNk6JXN9BGbmdQicyUSuhA9mXxaLfbFKj'

describe('node config validation', () => {
  test('an empty document and every option at a good value pass', () => {
    assert.deepEqual(validateNodeConfig(null), {})
    const full = {
      listen: ['/ip4/0.0.0.0/tcp/4001', '/ip6/::/tcp/4001'],
      bootstrap: [`/ip4/192.0.2.1/tcp/4001/p2p/${PEER}`],
      api: '127.0.0.1:7070',
      joinSecret: 's3cret',
      connections: { maxConnections: 10, inboundConnectionThreshold: 1000, maxIncomingPendingConnections: 4 },
      dht: { kBucketSize: 8, allowPrivateAddresses: false },
      handshake: { timeoutMs: 5000, windowMs: 10_000 },
      join: { timeoutMs: 5000 }
    }
    assert.deepEqual(validateNodeConfig(full), full)
  })

  test('a wake schedule: AWAKE/PERIOD durations, in milliseconds', () => {
    assert.deepEqual(validateNodeConfig({ sleep: { schedule: '20s/60s', wakeOnData: true } }), { sleep: { schedule: { awakeMs: 20_000, periodMs: 60_000 }, wakeOnData: true } })
    assert.deepEqual(validateNodeConfig({ sleep: { schedule: '2s/1h' } }).sleep?.schedule, { awakeMs: 2_000, periodMs: 3_600_000 })
  })

  test('discovery: mDNS on or off, its interval in bounds; --mdns turns it on whatever the config says', () => {
    assert.deepEqual(validateNodeConfig({ discovery: { mdns: true, mdnsIntervalMs: 2000 } }), { discovery: { mdns: true, mdnsIntervalMs: 2000 } })
    assert.match(refused({ discovery: { mdns: 'yes' } }).message, /discovery\.mdns/)
    assert.match(refused({ discovery: { mdnsIntervalMs: 10 } }).message, /discovery\.mdnsIntervalMs/)
    assert.equal(mdnsOf(undefined), undefined)
    assert.equal(mdnsOf({ mdns: false }), undefined)
    assert.deepEqual(mdnsOf({ mdns: true, mdnsIntervalMs: 2000 }), { intervalMs: 2000 })
    assert.deepEqual(mdnsOf({ mdns: false }, true), { intervalMs: undefined })
  })

  test('services exposed at start: name, target, allow rules; tunnel limits', () => {
    const services = [{ name: 'web', target: '127.0.0.1:8080', allow: ['team=ops'], allowPeers: [PEER] }, { name: 'db', target: 'db.local:5432' }]
    assert.deepEqual(validateNodeConfig({ services, tunnels: { maxTunnelsPerPeer: 4, idleTimeoutMs: 60_000 } }), { services, tunnels: { maxTunnelsPerPeer: 4, idleTimeoutMs: 60_000 } })
  })

  test('forwarding: use, serve and the forwarder\'s bounds', () => {
    const forwarding = { use: true, serve: false, maxCircuits: 8, maxCircuitsPerPeer: 2, maxBytesPerCircuit: 1_048_576, idleTimeoutMs: 60_000 }
    assert.deepEqual(validateNodeConfig({ forwarding }), { forwarding })
  })

  test('an empty section (`dht:` with nothing under it) is an empty mapping', () => {
    assert.deepEqual(validateNodeConfig({ dht: null }), { dht: {} })
  })

  const cases: Array<{ value: unknown, path: string, expected: RegExp, got?: string }> = [
    { value: { services: [{ name: 'web' }] }, path: 'services[0].target', expected: /HOST:PORT/ },
    { value: { services: [{ name: 'web', target: '127.0.0.1:0' }] }, path: 'services[0].target', expected: /HOST:PORT/, got: '"127.0.0.1:0"' },
    { value: { services: [{ name: '-web', target: '127.0.0.1:80' }] }, path: 'services[0].name', expected: /service name/ },
    { value: { services: [{ name: 'a', target: '127.0.0.1:80' }, { name: 'a', target: '127.0.0.1:81' }] }, path: 'services[1].name', expected: /no other service/ },
    { value: { services: [{ name: 'a', target: '127.0.0.1:80', allow: ['ops'] }] }, path: 'services[0].allow[0]', expected: /ATTR=VALUE/ },
    { value: { services: [{ name: 'a', target: '127.0.0.1:80', allowPeers: ['bob'] }] }, path: 'services[0].allowPeers[0]', expected: /peer or identity id/ },
    { value: { tunnels: { idleTimeoutMs: 10 } }, path: 'tunnels.idleTimeoutMs', expected: /milliseconds/ },
    { value: { forwarding: { maxCircuitsPerPeer: 0 } }, path: 'forwarding.maxCircuitsPerPeer', expected: /whole number from 1/, got: '0' },
    { value: { forwarding: { serve: 'yes' } }, path: 'forwarding.serve', expected: /true or false/, got: '"yes"' },
    { value: { connections: { maxConnections: 'many' } }, path: 'connections.maxConnections', expected: /^a positive integer$/, got: '"many"' },
    { value: { connections: { inboundConnectionThreshold: 0 } }, path: 'connections.inboundConnectionThreshold', expected: /positive integer/, got: '0' },
    { value: { connections: { maxIncomingPendingConnections: 2.5 } }, path: 'connections.maxIncomingPendingConnections', expected: /positive integer/, got: '2.5' },
    { value: { dht: { kBucketSize: 5000 } }, path: 'dht.kBucketSize', expected: /up to 1000/, got: '5000' },
    { value: { dht: { allowPrivateAddresses: 'yes' } }, path: 'dht.allowPrivateAddresses', expected: /true or false/, got: '"yes"' },
    { value: { handshake: { timeoutMs: -1 } }, path: 'handshake.timeoutMs', expected: /milliseconds/, got: '-1' },
    { value: { join: { timeoutMs: 10_000_000 } }, path: 'join.timeoutMs', expected: /milliseconds/ },
    { value: { keepalive: { maxMissed: 0 } }, path: 'keepalive.maxMissed', expected: /whole number from 1/, got: '0' },
    { value: { keepalive: { tcpIdleMs: -5 } }, path: 'keepalive.tcpIdleMs', expected: /from 0 \(the system's\)/, got: '-5' },
    { value: { abuse: { banThreshold: 10 } }, path: 'abuse.banThreshold', expected: /negative whole number/, got: '10' },
    { value: { listen: '/ip4/0.0.0.0/tcp/1' }, path: 'listen', expected: /a list/, got: '"/ip4/0.0.0.0/tcp/1"' },
    { value: { listen: ['/ip4/0.0.0.0/tcp/1', 'not an address'] }, path: 'listen[1]', expected: /a multiaddr/ },
    { value: { bootstrap: ['/ip4/192.0.2.1/tcp/4001'] }, path: 'bootstrap[0]', expected: /\/p2p\/<peer id>/ },
    { value: { api: '0.0.0.0:7070' }, path: 'api', expected: /loopback/ },
    { value: { api: 'localhost' }, path: 'api', expected: /HOST:PORT/ },
    { value: { joinSecret: '' }, path: 'joinSecret', expected: /non-empty/ },
    { value: { joinSecret: 42 }, path: 'joinSecret', expected: /non-empty/, got: '42' },
    { value: { connections: { maxConnection: 10 } }, path: 'connections.maxConnection', expected: /maxConnections/, got: 'an unknown key' },
    { value: { lisen: [] }, path: 'lisen', expected: /listen/ },
    { value: { dht: [1, 2] }, path: 'dht', expected: /a mapping/, got: 'a list' },
    { value: ['listen'], path: '', expected: /a mapping/ },
    { value: { listen: Array.from({ length: 33 }, () => '/ip4/0.0.0.0/tcp/0') }, path: 'listen', expected: /at most 32/ },
    { value: { durable: { order: 'random' } }, path: 'durable.order', expected: /one of fifo, lifo/, got: '"random"' },
    { value: { durable: { whenFull: 'drop' } }, path: 'durable.whenFull', expected: /one of reject, purge/ },
    { value: { durable: { maxMessages: 0 } }, path: 'durable.maxMessages', expected: /from 1/, got: '0' },
    { value: { durable: { maxAgeMs: 10 } }, path: 'durable.maxAgeMs', expected: /from 1000/, got: '10' },
    { value: { durable: { maxBytes: 1.5 } }, path: 'durable.maxBytes', expected: /whole number of bytes/ },
    { value: { sleep: { schedule: '1s/60s' } }, path: 'sleep.schedule', expected: /AWAKE\/PERIOD .*awake at least 2s/, got: '"1s/60s"' },
    { value: { sleep: { schedule: 20 } }, path: 'sleep.schedule', expected: /AWAKE\/PERIOD/, got: '20' },
    { value: { sleep: { schedule: '20s/2h' } }, path: 'sleep.schedule', expected: /at most 1h/ },
    { value: { sleep: { wakeOnData: 'yes' } }, path: 'sleep.wakeOnData', expected: /true or false/ }
  ]
  for (const c of cases) {
    test(`${c.path === '' ? '(top level)' : c.path}: ${JSON.stringify(c.value).slice(0, 60)}`, () => {
      const err = refused(c.value)
      assert.equal(err.path, c.path)
      assert.match(err.expected, c.expected)
      if (c.got != null) assert.equal(err.got, c.got)
    })
  }

  test('errors from a file name the file, the path, what was expected and what was there', () => {
    const yaml = 'connections:\n  maxConnections: many\n'
    assert.throws(() => parseConfig(yaml, checkNodeConfig, 'configs/node.yaml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.file, 'configs/node.yaml')
      assert.equal(err.path, 'connections.maxConnections')
      assert.equal(err.message, 'configs/node.yaml: connections.maxConnections: expected a positive integer, got "many"')
      return true
    })
  })

  test('YAML that does not parse is CONFIG_INVALID at the top level', () => {
    assert.throws(() => parseConfig('listen: [unclosed\n', checkNodeConfig, 'x.yaml'), (err: unknown) => {
      assert.ok(err instanceof ConfigError)
      assert.equal(err.path, '')
      assert.equal(err.expected, 'valid YAML')
      return true
    })
  })

  test('duplicate keys are refused', () => {
    assert.throws(() => parseConfig('api: 127.0.0.1:1\napi: 127.0.0.1:2\n', checkNodeConfig), (err: unknown) => err instanceof ConfigError && err.expected === 'valid YAML')
  })

  test('an alias bomb is refused, not expanded', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]']
    for (let i = 0; i < 12; i++) lines.push(`${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [*${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}, *${String.fromCharCode(97 + i)}]`)
    assert.throws(() => parseConfig(lines.join('\n'), checkNodeConfig), (err: unknown) => err instanceof ConfigError && err.path === '')
  })
})
