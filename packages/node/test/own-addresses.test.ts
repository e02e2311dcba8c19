import { describe, it } from 'node:test'
import assert from 'node:assert/strict'
import { multiaddr } from '@multiformats/multiaddr'
import { announcedAddrs, isHostOnly } from '../src/index.js'

const ma = (texts: string[]): ReturnType<typeof multiaddr>[] => texts.map(t => multiaddr(t))
const shown = (addrs: ReturnType<typeof multiaddr>[]): string[] => addrs.map(a => a.toString())

describe('the addresses a node announces', () => {
  it('tells host-only addresses (loopback, link-local) from the others', () => {
    for (const text of ['/ip4/127.0.0.1/tcp/1', '/ip4/127.1.2.3/tcp/1', '/ip4/169.254.9.9/tcp/1', '/ip6/::1/tcp/1', '/ip6/fe80::1/tcp/1']) assert.ok(isHostOnly(multiaddr(text)), text)
    for (const text of ['/ip4/10.0.0.1/tcp/1', '/ip4/192.168.1.2/tcp/1', '/ip6/2001:db8::1/tcp/1', '/memory/abc', '/dns4/example.org/tcp/1']) assert.ok(!isHostOnly(multiaddr(text)), text)
  })

  it('leaves loopback out when the node has another address (a 0.0.0.0 listener), and drops /p2p/', () => {
    const { addrs, missing } = announcedAddrs(ma(['/ip4/127.0.0.1/tcp/4001/p2p/12D3KooWLRPJAA5o6NKP9zFpwwRR5K3H9ZZKf4RSjWBuzmvGDSsc', '/ip4/10.99.0.4/tcp/4001']), new Set(['127.0.0.1', '10.99.0.4']))
    assert.deepEqual(shown(addrs), ['/ip4/10.99.0.4/tcp/4001'])
    assert.deepEqual(missing, [])
  })

  it('keeps loopback when it is all the node has (a realm on 127.0.0.1)', () => {
    const { addrs } = announcedAddrs(ma(['/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4001']), new Set(['127.0.0.1', '::1', '10.0.0.2']))
    assert.deepEqual(shown(addrs), ['/ip4/127.0.0.1/tcp/4001', '/ip6/::1/tcp/4001'])
  })

  it('leaves out a specific listen address that is on no interface, and says so', () => {
    const listening = ma(['/ip4/10.99.0.4/tcp/4001', '/ip4/10.98.0.4/tcp/4001', '/ip4/127.0.0.1/tcp/4001'])
    const gone = announcedAddrs(listening, new Set(['127.0.0.1', '10.98.0.4']))
    assert.deepEqual(shown(gone.addrs), ['/ip4/10.98.0.4/tcp/4001'])
    assert.deepEqual(shown(gone.missing), ['/ip4/10.99.0.4/tcp/4001'])
    const back = announcedAddrs(listening, new Set(['127.0.0.1', '10.98.0.4', '10.99.0.4']))
    assert.deepEqual(shown(back.addrs), ['/ip4/10.99.0.4/tcp/4001', '/ip4/10.98.0.4/tcp/4001'])
    assert.deepEqual(back.missing, [])
  })

  it('keeps addresses that name no IP (the in-memory transport)', () => {
    assert.deepEqual(shown(announcedAddrs(ma(['/memory/node-a']), new Set()).addrs), ['/memory/node-a'])
  })
})
