// The daemons' logger and their metrics/log settings (flags over the config over the defaults).
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { createLogger } from '../src/log/logger.js'
import { daemonSettings } from '../src/config/daemon-settings.js'
import { validateNodeConfig } from '../src/config/node-config.js'

const AT = Date.parse('2026-01-02T03:04:05.678Z')

describe('logger', () => {
  test('text: time, level, message; lines below the level are dropped', () => {
    const lines: string[] = []
    const log = createLogger({ write: (l) => { lines.push(l) }, now: () => AT, level: 'info' })
    log.info('member.joined', 'member joined X (1 member)', { peer: 'X', members: 1 })
    log.debug('noise', 'not written')
    log.warn('w', 'warning: careful')
    log.error('refused', 'refused: TOKEN_EXPIRED (late)')
    assert.deepEqual(lines, [
      '2026-01-02T03:04:05.678Z INFO  member joined X (1 member)',
      '2026-01-02T03:04:05.678Z WARN  warning: careful',
      '2026-01-02T03:04:05.678Z ERROR refused: TOKEN_EXPIRED (late)'
    ])
  })

  test('json: one object a line with time, level, event, msg and the fields; a field cannot replace those', () => {
    const lines: string[] = []
    const log = createLogger({ format: 'json', level: 'warn', write: (l) => { lines.push(l) }, now: () => AT })
    log.info('member.joined', 'not written')
    log.warn('bootstrap.retry', 'leader unreachable', { attempt: 2, address: '/ip4/127.0.0.1/tcp/1', level: 'forged', missing: undefined, addrs: ['a', 'b'] })
    assert.equal(lines.length, 1)
    assert.deepEqual(JSON.parse(lines[0] ?? ''), { time: '2026-01-02T03:04:05.678Z', level: 'warn', event: 'bootstrap.retry', msg: 'leader unreachable', attempt: 2, address: '/ip4/127.0.0.1/tcp/1', addrs: ['a', 'b'] })
  })
})

describe('daemon settings', () => {
  test('defaults: metrics on without a listener, text, info', () => {
    assert.deepEqual(daemonSettings({}), { metrics: { enabled: true }, log: { format: 'text', level: 'info' } })
  })

  test('flags over the config', () => {
    const config = validateNodeConfig({ metrics: { enabled: false, listen: '0.0.0.0:9464' }, log: { format: 'json', level: 'debug' } })
    assert.deepEqual(daemonSettings({}, config), { metrics: { enabled: false }, log: { format: 'json', level: 'debug' } })
    assert.deepEqual(daemonSettings({ metrics: '127.0.0.1:9100', 'log-format': 'text', 'log-level': 'error' }, config), { metrics: { enabled: true, listen: '127.0.0.1:9100' }, log: { format: 'text', level: 'error' } })
    assert.deepEqual(daemonSettings({ 'no-metrics': true }, validateNodeConfig({ metrics: { listen: '127.0.0.1:9464' } })), { metrics: { enabled: false }, log: { format: 'text', level: 'info' } })
  })

  test('bad values are refused with what was expected', () => {
    assert.throws(() => daemonSettings({ 'log-format': 'xml' }), { code: 'USAGE', message: /--log-format: expected one of text, json/ })
    assert.throws(() => daemonSettings({ 'log-level': 'trace' }), { code: 'USAGE', message: /--log-level: expected one of error, warn, info, debug/ })
    assert.throws(() => daemonSettings({ metrics: '9464' }), { code: 'METRICS_ADDRESS_INVALID' })
    assert.throws(() => daemonSettings({ metrics: '127.0.0.1:1', 'no-metrics': true }), { code: 'USAGE' })
    assert.throws(() => validateNodeConfig({ log: { level: 'loud' } }), { code: 'CONFIG_INVALID', message: /log\.level/ })
    assert.throws(() => validateNodeConfig({ metrics: { listen: 'nowhere' } }), { code: 'CONFIG_INVALID', message: /metrics\.listen/ })
  })
})
