/**
 * What the tunnel scenario measures on each side, given how the side opens a connection to the echo
 * or the sink service: round trips on one connection, new connections to their first echo, a sink
 * run on one connection and one over several at once.
 */
import { echoRoundTrips, payload, sinkThroughput } from './streams.js'
import type { ByteSender, Throughput } from './streams.js'

/** how a side opens a connection to the echo or the sink service */
export type Open = (service: 'echo' | 'sink') => Promise<ByteSender>

export type Measure =
  | { what: 'echo', size: number, count: number }
  | { what: 'connect', size: number, count: number }
  | { what: 'sink', size: number, count: number }
  | { what: 'parallel', size: number, count: number, connections: number }

export async function measureSide (measure: Measure, open: Open): Promise<number[] | Throughput> {
  switch (measure.what) {
    case 'echo': return withConnection(open, 'echo', async c => echoRoundTrips(c, measure.size, measure.count))
    case 'connect': {
      const times: number[] = []
      for (let i = 0; i < measure.count; i++) times.push(await firstEcho(open, measure.size))
      return times
    }
    case 'sink': return withConnection(open, 'sink', async c => sinkThroughput(c, measure.size, measure.count))
    case 'parallel': return parallel(open, measure.size, measure.count, measure.connections)
  }
}

async function withConnection<T> (open: Open, service: 'echo' | 'sink', use: (c: ByteSender) => Promise<T>): Promise<T> {
  const connection = await open(service)
  try {
    return await use(connection)
  } finally {
    await connection.close()
  }
}

/** from opening a connection until the first `size` bytes came back */
async function firstEcho (open: Open, size: number): Promise<number> {
  const message = payload(size)
  const start = performance.now()
  const connection = await open('echo')
  await connection.send(message)
  await connection.read(size)
  const ms = performance.now() - start
  await connection.close()
  return ms
}

/** `count` messages of `size` bytes split over `connections` connections at once (opened before the clock starts) */
async function parallel (open: Open, size: number, count: number, connections: number): Promise<Throughput> {
  const opened = await Promise.all(Array.from({ length: connections }, async () => open('sink')))
  const each = Math.ceil(count / connections)
  try {
    const start = performance.now()
    await Promise.all(opened.map(async c => sinkThroughput(c, size, each)))
    return { size, messages: each * connections, bytes: size * each * connections, ms: performance.now() - start }
  } finally {
    await Promise.all(opened.map(async c => c.close()))
  }
}
