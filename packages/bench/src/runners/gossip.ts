/**
 * gossipsub between two nodes of a plain network, measured like the streams:
 *   echo: A publishes on `bench/ping`, B (its only subscriber) republishes the data on
 *         `bench/pong`, A (its only subscriber) times the round trip
 *   sink: A publishes `count` messages on `bench/sink`, B counts them. gossipsub has no
 *         backpressure (its OutboundStream.pushPrefixed: "TODO: backpressure"), and with 1 MiB in
 *         flight it dropped messages here, so A keeps at most `windowBytes` (256 KiB) published and
 *         not yet received.
 */
import { payload } from './streams.js'
import type { PlainNode } from '../baseline.js'
import type { GossipSub, Message } from '@libp2p/gossipsub'

const PING = 'bench/ping'
const PONG = 'bench/pong'
const SINK = 'bench/sink'

export interface GossipThroughput {
  size: number
  sent: number
  received: number
  ms: number
  /** false when messages were still missing after the idle timeout */
  complete: boolean
}

function pubsubOf (node: PlainNode): GossipSub {
  const pubsub = node.services.pubsub
  if (pubsub == null) throw new Error('the plain node was built without gossipsub')
  return pubsub
}

/** resolves once `publisher` sees `subscriber` subscribed to `topic` */
async function whenSubscribed (publisher: GossipSub, subscriber: PlainNode, topic: string, timeoutMs = 30_000): Promise<void> {
  const has = (): boolean => publisher.getSubscribers(topic).some(p => p.equals(subscriber.peerId))
  if (has()) return
  await new Promise<void>((resolve, reject) => {
    const check = (): void => {
      if (has()) {
        cleanup()
        resolve()
      }
    }
    const timer = setTimeout(() => {
      cleanup()
      reject(new Error(`gossipsub: no subscription to ${topic} seen within ${timeoutMs} ms`))
    }, timeoutMs)
    const cleanup = (): void => {
      clearTimeout(timer)
      publisher.removeEventListener('subscription-change', check)
    }
    publisher.addEventListener('subscription-change', check)
  })
}

/** Subscribes B to ping and sink (echoing pings as pongs) and A to pong; waits until both see it. */
export async function prepareGossip (a: PlainNode, b: PlainNode): Promise<void> {
  const pa = pubsubOf(a)
  const pb = pubsubOf(b)
  pb.addEventListener('message', (evt: CustomEvent<Message>) => {
    if (evt.detail.topic === PING) void pb.publish(PONG, evt.detail.data).catch(() => {})
  })
  pb.subscribe(PING)
  pb.subscribe(SINK)
  pa.subscribe(PONG)
  await Promise.all([whenSubscribed(pa, b, PING), whenSubscribed(pa, b, SINK), whenSubscribed(pb, a, PONG)])
}

/** round-trip times (ms) of `count` ping/pong exchanges of `size` bytes */
export async function gossipRoundTrips (a: PlainNode, size: number, count: number): Promise<number[]> {
  const pa = pubsubOf(a)
  const message = payload(size)
  const times: number[] = []
  for (let i = 0; i < count; i++) {
    const start = performance.now()
    const pong = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => {
        pa.removeEventListener('message', onMessage)
        reject(new Error('gossipsub: no pong within 10 s'))
      }, 10_000)
      const onMessage = (evt: CustomEvent<Message>): void => {
        if (evt.detail.topic !== PONG) return
        clearTimeout(timer)
        pa.removeEventListener('message', onMessage)
        resolve()
      }
      pa.addEventListener('message', onMessage)
    })
    await pa.publish(PING, message)
    await pong
    times.push(performance.now() - start)
  }
  return times
}

export async function gossipThroughput (a: PlainNode, b: PlainNode, size: number, count: number, windowBytes = 256 * 1024, idleMs = 10_000): Promise<GossipThroughput> {
  const pa = pubsubOf(a)
  const pb = pubsubOf(b)
  const message = payload(size)
  const window = Math.max(1, Math.floor(windowBytes / size))
  let received = 0
  let lastAt = performance.now()
  let wake: (() => void) | undefined
  const onMessage = (evt: CustomEvent<Message>): void => {
    if (evt.detail.topic !== SINK) return
    received++
    lastAt = performance.now()
    wake?.()
  }
  pb.addEventListener('message', onMessage)
  // waits for the next receipt, or gives up after idleMs without one
  const progress = async (): Promise<boolean> => new Promise<boolean>((resolve) => {
    const timer = setTimeout(() => { wake = undefined; resolve(false) }, idleMs)
    wake = () => { clearTimeout(timer); wake = undefined; resolve(true) }
  })
  const start = performance.now()
  let sent = 0
  let stalled = false
  try {
    while (sent < count && !stalled) {
      while (sent < count && sent - received < window) {
        await pa.publish(SINK, message)
        sent++
      }
      if (sent < count && !(await progress())) stalled = true
    }
    while (received < count && !stalled) {
      if (!(await progress())) stalled = true
    }
  } finally {
    pb.removeEventListener('message', onMessage)
  }
  return { size, sent, received, ms: lastAt - start, complete: received >= count }
}
