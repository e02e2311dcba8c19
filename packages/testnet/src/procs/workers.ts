/**
 * The parent's handle on one worker process: forks it (node --expose-gc worker.js, an IPC
 * channel), sends it requests and matches the replies, keeps its latest report, and kills it.
 * Every request is bounded by a time limit and the caller's signal; a worker that exits fails
 * every request still waiting with TESTNET_WORKER_EXITED.
 */
import { fork } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { TestnetError } from './errors.js'
import type { ChildProcess } from 'node:child_process'
import type { AbortOptions } from '@libp2p/interface'
import type { Report, Request, WorkerMessage } from './protocol.js'

const WORKER_SCRIPT = fileURLToPath(new URL('./worker.js', import.meta.url))

interface Waiting {
  resolve: (value: unknown) => void
  reject: (err: Error) => void
}

export class WorkerProcess {
  readonly pid: number
  /** the latest report and when it came (Date.now), undefined before the first */
  report: Report | undefined
  reportAt = 0
  readonly spawnedAt = Date.now()
  exited = false
  /** how it exited (`SIGKILL`, `code 1`), once it has */
  exitStatus: string | undefined
  /** whether kill() was asked for (an exit without it is a crash: out of memory, a fatal error, an outside kill) */
  killed = false
  private readonly child: ChildProcess
  private readonly waiting = new Map<number, Waiting>()
  private nextId = 1
  private readonly exitListeners = new Set<() => void>()
  private readonly reportListeners = new Set<() => void>()

  private constructor (child: ChildProcess, readonly name: string) {
    this.child = child
    this.pid = child.pid ?? -1
    child.on('message', (message: WorkerMessage) => {
      if (message.type === 'report') {
        this.report = message
        this.reportAt = Date.now()
        for (const listener of this.reportListeners) listener()
      } else if (message.type === 'reply') {
        const waiting = this.waiting.get(message.id)
        this.waiting.delete(message.id)
        if (message.ok) waiting?.resolve(message.value)
        else waiting?.reject(new TestnetError(message.code ?? 'TESTNET_WORKER_FAILED', `${name}: ${message.error ?? 'failed'}`))
      }
    })
    child.on('exit', (code, signal) => {
      this.exited = true
      this.exitStatus = signal ?? `code ${code ?? '?'}`
      for (const waiting of this.waiting.values()) waiting.reject(new TestnetError('TESTNET_WORKER_EXITED', `${name} exited (${signal ?? code ?? '?'})`))
      this.waiting.clear()
      for (const listener of this.exitListeners) listener()
    })
  }

  /** forks a worker and resolves once it said it is ready */
  static async spawn (name: string, options: AbortOptions & { stderr?: (line: string) => void } = {}): Promise<WorkerProcess> {
    const child = fork(WORKER_SCRIPT, [], {
      execArgv: ['--expose-gc'],
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
      serialization: 'json'
    })
    child.stderr?.setEncoding('utf8')
    child.stderr?.on('data', (text: string) => { for (const line of text.split('\n')) if (line !== '') options.stderr?.(`${name}: ${line}`) })
    const worker = new WorkerProcess(child, name)
    await new Promise<void>((resolve, reject) => {
      const fail = (err: Error): void => { cleanup(); void worker.kill(); reject(err) }
      const onMessage = (message: WorkerMessage): void => { if (message.type === 'ready') { cleanup(); resolve() } }
      const onExit = (): void => { fail(new TestnetError('TESTNET_WORKER_EXITED', `${name} exited before it was ready`)) }
      const onAbort = (): void => { fail(options.signal?.reason as Error) }
      const cleanup = (): void => {
        child.off('message', onMessage)
        child.off('exit', onExit)
        options.signal?.removeEventListener('abort', onAbort)
      }
      child.on('message', onMessage)
      child.on('exit', onExit)
      options.signal?.addEventListener('abort', onAbort)
    })
    return worker
  }

  /** sends `request` and resolves with the worker's answer (TESTNET_TIMEOUT after `timeoutMs`) */
  async request<T> (request: Request, options: AbortOptions & { timeoutMs: number }): Promise<T> {
    if (this.exited) throw new TestnetError('TESTNET_WORKER_EXITED', `${this.name} has exited`)
    const id = this.nextId++
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => { done(); reject(new TestnetError('TESTNET_TIMEOUT', `${this.name}: ${request.op} took more than ${options.timeoutMs} ms`)) }, options.timeoutMs)
      const onAbort = (): void => { done(); reject(options.signal?.reason as Error) }
      const done = (): void => {
        clearTimeout(timer)
        this.waiting.delete(id)
        options.signal?.removeEventListener('abort', onAbort)
      }
      this.waiting.set(id, {
        resolve: (value) => { done(); resolve(value as T) },
        reject: (err) => { done(); reject(err) }
      })
      options.signal?.addEventListener('abort', onAbort)
      this.child.send({ id, request })
    })
  }

  /** calls `listener` once the worker has exited (at once if it has); returns a function that stops it */
  onExit (listener: () => void): () => void {
    if (this.exited) {
      listener()
      return () => {}
    }
    this.exitListeners.add(listener)
    return () => { this.exitListeners.delete(listener) }
  }

  /** calls `listener` on every report; returns a function that stops it */
  onReport (listener: () => void): () => void {
    this.reportListeners.add(listener)
    return () => { this.reportListeners.delete(listener) }
  }

  /** SIGKILLs the worker (its nodes vanish without a word) and resolves once it has exited */
  async kill (): Promise<void> {
    if (this.exited) return
    this.killed = true
    const exited = new Promise<void>((resolve) => { this.onExit(resolve) })
    this.child.kill('SIGKILL')
    await exited
  }
}
