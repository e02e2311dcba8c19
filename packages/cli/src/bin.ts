#!/usr/bin/env node
/**
 * The `realmesh` executable: the process's stdio, environment and signals handed to runCli.
 */
import type { Io } from './io.js'

/** libp2p 3 (and Promise.withResolvers, AbortSignal.any) need Node.js 22 */
const MIN_NODE_MAJOR = 22
const nodeMajor = Number(process.versions.node.split('.')[0])
if (nodeMajor < MIN_NODE_MAJOR) {
  process.stderr.write(`error NODE_TOO_OLD: realmesh needs Node.js >= ${MIN_NODE_MAJOR}; this is ${process.version} (./dev installs one into .toolchain/)\n`)
  process.exit(1)
}
// loaded only now, so that an old Node fails with the line above rather than somewhere inside libp2p
const { runCli, processTitle } = await import('./cli.js')
const { networkError, useSmallBufferSlabs } = await import('@realmesh/node')
// a node holds its peers' ids and addresses for as long as it runs: small slabs (see its README)
useSmallBufferSlabs()

const argv = process.argv.slice(2)
// `ps` tells daemons apart by their data dir: `realmesh node start --dir /srv/rm/node1`
process.title = processTitle(argv, process.cwd())

/** a stop that takes longer than this is stuck: exit anyway */
const STOP_DEADLINE_MS = 20_000

let stopController: AbortController | undefined
/** streams whose reader went away (`realmesh status | head -1`, a log pipe that died) */
const closed = new Set<NodeJS.WriteStream>()

function write (stream: NodeJS.WriteStream, line: string): void {
  if (!closed.has(stream)) stream.write(`${line}\n`)
}

const io: Io = {
  out: (line) => { write(process.stdout, line) },
  err: (line) => { write(process.stderr, line) },
  env: process.env,
  stopSignal: () => {
    if (stopController != null) return stopController.signal
    const controller = new AbortController()
    stopController = controller
    const onSignal = (signal: NodeJS.Signals): void => {
      if (controller.signal.aborted) {
        say('warn', 'signal', `${signal} again: exiting without a clean stop`)
        process.exit(1)
      }
      say('info', 'signal', `${signal} received`)
      controller.abort()
      setTimeout(() => {
        say('error', 'stop.timeout', `error STOP_TIMEOUT: the daemon did not stop within ${STOP_DEADLINE_MS / 1000} s`)
        process.exit(1)
      }, STOP_DEADLINE_MS).unref()
    }
    process.on('SIGINT', onSignal)
    process.on('SIGTERM', onSignal)
    return controller.signal
  },
  readStdin: async (maxBytes) => {
    const chunks: Buffer[] = []
    let size = 0
    for await (const chunk of process.stdin as AsyncIterable<Buffer>) {
      size += chunk.length
      if (size > maxBytes) throw Object.assign(new Error(`stdin holds more than ${maxBytes} bytes`), { code: 'DATA_TOO_LARGE' })
      chunks.push(chunk)
    }
    return new Uint8Array(Buffer.concat(chunks))
  },
  terminal: () => {
    const { stdin, stdout } = process
    if (!stdin.isTTY || !stdout.isTTY) return undefined
    return {
      get columns () { return stdout.columns },
      get rows () { return stdout.rows },
      write: (text) => { stdout.write(text) },
      onKey: (listener) => {
        const onData = (data: Buffer): void => { listener(data.toString('utf8')) }
        stdin.setRawMode(true)
        stdin.on('data', onData)
        stdin.resume()
        return () => {
          stdin.off('data', onData)
          stdin.setRawMode(false)
          stdin.pause()
        }
      }
    }
  }
}

/** a line of this file's own: through the daemon's logger once it has one */
function say (level: 'error' | 'warn' | 'info' | 'debug', event: string, line: string): void {
  if (io.logger != null) io.logger[level](event, line)
  else io.err(line)
}

// a reader that went away is not an error of ours: stop writing there (a daemon keeps running)
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err
    closed.add(stream)
  })
}

// a stray rejection deep in the network stack must not take a daemon down with it: say it, go on
process.on('unhandledRejection', (failure) => {
  const reason = networkError(failure)
  const code = (reason as { code?: unknown } | null)?.code
  say('warn', 'unhandled-rejection', `warning: unhandled rejection${typeof code === 'string' ? ` ${code}` : ''}: ${reason instanceof Error ? reason.message : String(reason)}`)
  if (process.env.REALMESH_DEBUG === '1' && failure instanceof Error && failure.stack != null) say('debug', 'stack', failure.stack)
})

const code = await runCli(argv, io)
process.exit(code)
