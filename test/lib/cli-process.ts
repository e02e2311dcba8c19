/**
 * The `realmesh` command as separate OS processes, for end-to-end tests: spawn it, wait for a line
 * on its output (never a bare sleep), wait for its exit, and on any timeout fail with the output
 * of every process the test started.
 */
import { spawn } from 'node:child_process'
import { createInterface } from 'node:readline'
import { resolve, join } from 'node:path'
import { inNamespace } from './netns/commands.js'
import type { ChildProcess } from 'node:child_process'

/** test/dist/lib -> the repository root */
export const REPO_ROOT = resolve(import.meta.dirname, '../../..')
export const BIN = join(REPO_ROOT, 'packages/cli/dist/src/bin.js')

/** most lines kept per process (a daemon that runs long must not grow the test without bound) */
const MAX_LINES = 5_000

export interface Exit {
  code: number | null
  signal: NodeJS.Signals | null
}

/** `text`: the line without a daemon's `TIME LEVEL ` prefix (log format text), or its `msg` (json); `raw`: as written */
interface Line { stream: 'out' | 'err', text: string, raw: string, at: number }

/** the prefix of a daemon's text log line (packages/cli/src/log/logger.ts) */
const LOG_PREFIX = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z (?:ERROR|WARN|INFO|DEBUG) +/

/** what a daemon's log line says, without its time and level (either log format) */
function messageOf (line: string): string {
  if (line.startsWith('{"time":')) {
    try {
      const { msg } = JSON.parse(line) as { msg?: unknown }
      if (typeof msg === 'string') return msg
    } catch {
      // a line that only looks like JSON is kept as it is
    }
  }
  return line.replace(LOG_PREFIX, '')
}

export class CliProcess {
  readonly name: string
  readonly args: string[]
  /** what runs: `realmesh`, or a test's own script */
  private readonly program: string
  readonly child: ChildProcess
  readonly exited: Promise<Exit>
  private readonly lines: Line[] = []
  private readonly listeners = new Set<() => void>()
  private readonly group: ProcessGroup
  private exit: Exit | undefined

  /** the network namespace it runs in (`ip netns exec`), if any */
  readonly netns: string | undefined

  constructor (group: ProcessGroup, name: string, args: string[], options: { cwd: string, env?: Record<string, string>, netns?: string, script?: string }) {
    this.group = group
    this.name = name
    this.args = args
    this.program = options.script == null ? 'realmesh' : `node ${options.script}`
    this.netns = options.netns
    // `ip netns exec` execs the program in place, so the child's pid is node's and signals reach it
    const argv = [options.script ?? BIN, ...args]
    const launch = options.netns != null
      ? inNamespace(options.netns, process.execPath, argv)
      : { command: process.execPath, args: argv }
    this.child = spawn(launch.command, launch.args, {
      cwd: options.cwd,
      env: { ...cleanEnv(), ...options.env },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    for (const stream of ['out', 'err'] as const) {
      const source = stream === 'out' ? this.child.stdout : this.child.stderr
      if (source == null) continue
      createInterface({ input: source, crlfDelay: Infinity }).on('line', (text) => {
        if (this.lines.length >= MAX_LINES) this.lines.shift()
        this.lines.push({ stream, text: messageOf(text), raw: text, at: Date.now() })
        this.notify()
      })
    }
    this.exited = new Promise<Exit>((resolve) => {
      this.child.once('close', (code, signal) => {
        this.exit = { code, signal }
        this.notify()
        resolve(this.exit)
      })
    })
  }

  get pid (): number | undefined {
    return this.child.pid
  }

  get stdout (): string {
    return this.lines.filter(l => l.stream === 'out').map(l => l.text).join('\n')
  }

  get stderr (): string {
    return this.lines.filter(l => l.stream === 'err').map(l => l.text).join('\n')
  }

  /** stderr's lines as the process wrote them (log prefixes kept) */
  get rawStderr (): string[] {
    return this.lines.filter(l => l.stream === 'err').map(l => l.raw)
  }

  /**
   * Resolves with the match of the first line (printed so far or later, stdout or stderr) matching
   * `pattern`. Rejects when the process exits first, or after `timeoutMs`, with every process's output.
   */
  async waitForLine (pattern: RegExp, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return this.waitFor(() => {
      for (const line of this.lines) {
        const match = pattern.exec(line.text)
        if (match != null) return match
      }
      return undefined
    }, `a line matching ${String(pattern)}`, timeoutMs, true)
  }

  /** Like waitForLine, for the `count`-th line matching `pattern`. */
  async waitForLines (pattern: RegExp, count: number, timeoutMs = 60_000): Promise<RegExpMatchArray> {
    return this.waitFor(() => {
      let seen = 0
      for (const line of this.lines) {
        const match = pattern.exec(line.text)
        if (match != null && ++seen === count) return match
      }
      return undefined
    }, `${count} lines matching ${String(pattern)}`, timeoutMs, true)
  }

  /** Resolves with the exit once the process has ended; rejects after `timeoutMs` with the output. */
  async waitForExit (timeoutMs = 60_000): Promise<Exit> {
    return this.waitFor(() => this.exit, 'its exit', timeoutMs, false)
  }

  kill (signal: NodeJS.Signals): void {
    if (this.exit == null) this.child.kill(signal)
  }

  get running (): boolean {
    return this.exit == null
  }

  /** the collected output, each line tagged with the stream and the time since start */
  describe (): string {
    const head = `--- ${this.name} (pid ${this.pid ?? '?'}${this.netns != null ? `, netns ${this.netns}` : ''}): ${this.program} ${this.args.join(' ')}${this.exit == null ? ' [running]' : ` [exited code=${String(this.exit.code)} signal=${String(this.exit.signal)}]`}`
    return [head, ...this.lines.map(l => `  ${((l.at - this.group.startedAt) / 1000).toFixed(1).padStart(6)}s ${l.stream} | ${l.text}`)].join('\n')
  }

  private async waitFor<T> (probe: () => T | undefined, what: string, timeoutMs: number, failOnExit: boolean): Promise<T> {
    const first = probe()
    if (first !== undefined) return first
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        done()
        reject(new Error(`${this.name}: timed out after ${timeoutMs / 1000} s waiting for ${what}\n${this.group.describe()}`))
      }, timeoutMs)
      const check = (): void => {
        const value = probe()
        if (value !== undefined) {
          done()
          resolve(value)
        } else if (failOnExit && this.exit != null) {
          done()
          reject(new Error(`${this.name}: exited (code ${String(this.exit.code)}, signal ${String(this.exit.signal)}) before ${what}\n${this.group.describe()}`))
        }
      }
      const done = (): void => {
        clearTimeout(timer)
        this.listeners.delete(check)
      }
      this.listeners.add(check)
    })
  }

  private notify (): void {
    for (const listener of [...this.listeners]) listener()
    this.group.notify()
  }
}

/** Every process a test starts: for failure messages, and to kill what is left at the end. */
/** what a group and its views in namespaces (`within`) share */
interface GroupState { startedAt: number, processes: CliProcess[], listeners: Set<() => void> }

export class ProcessGroup {
  private readonly shared: GroupState
  private readonly cwd: string
  private readonly netns: string | undefined

  constructor (cwd: string, netns?: string, shared?: GroupState) {
    this.cwd = cwd
    this.netns = netns
    this.shared = shared ?? { startedAt: Date.now(), processes: [], listeners: new Set() }
  }

  /** output lines are stamped with the time since this, so that processes' logs line up */
  get startedAt (): number {
    return this.shared.startedAt
  }

  private get processes (): CliProcess[] {
    return this.shared.processes
  }

  private get listeners (): Set<() => void> {
    return this.shared.listeners
  }

  /**
   * The same group, whose commands run inside the network namespace `netns` (a testbed host: see
   * netns/testbed.ts). Processes started through it belong to the group: its output on failure,
   * `until`, `killAll`.
   */
  within (netns: string): ProcessGroup {
    return new ProcessGroup(this.cwd, netns, this.shared)
  }

  /** starts `realmesh ...args` */
  start (name: string, args: string[], env?: Record<string, string>): CliProcess {
    const proc = new CliProcess(this, name, args, { cwd: this.cwd, env, netns: this.netns })
    this.processes.push(proc)
    return proc
  }

  /** starts `node script ...args` (a test's own program, such as a plain libp2p peer) */
  startScript (name: string, script: string, args: string[]): CliProcess {
    const proc = new CliProcess(this, name, args, { cwd: this.cwd, netns: this.netns, script })
    this.processes.push(proc)
    return proc
  }

  /** runs a one-shot command to its end; rejects (with all output) if it takes longer than `timeoutMs` */
  async run (name: string, args: string[], timeoutMs = 60_000, env?: Record<string, string>): Promise<{ code: number | null, stdout: string, stderr: string }> {
    const proc = this.start(name, args, env)
    const exit = await proc.waitForExit(timeoutMs).catch((err: unknown) => {
      proc.kill('SIGKILL')
      throw err
    })
    return { code: exit.code, stdout: proc.stdout, stderr: proc.stderr }
  }

  /** runs a one-shot command that must succeed; resolves with its stdout */
  async ok (name: string, args: string[], timeoutMs = 60_000): Promise<string> {
    const result = await this.run(name, args, timeoutMs)
    if (result.code !== 0) throw new Error(`${name}: realmesh ${args.join(' ')} exited with ${String(result.code)}\n${this.describe()}`)
    return result.stdout.trim()
  }

  describe (): string {
    return this.processes.map(p => p.describe()).join('\n')
  }

  /**
   * Resolves with `probe()`'s first defined value, re-checked whenever any process of the group
   * prints a line or exits; rejects after `timeoutMs` with every process's output.
   */
  async until<T> (probe: () => T | undefined, what: string, timeoutMs = 60_000): Promise<T> {
    const first = probe()
    if (first !== undefined) return first
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.listeners.delete(check)
        reject(new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}\n${this.describe()}`))
      }, timeoutMs)
      const check = (): void => {
        const value = probe()
        if (value === undefined) return
        clearTimeout(timer)
        this.listeners.delete(check)
        resolve(value)
      }
      this.listeners.add(check)
    })
  }

  /** a process of the group printed a line or exited */
  notify (): void {
    for (const listener of [...this.listeners]) listener()
  }

  /** SIGKILL whatever still runs (after a failure), and wait for it */
  async killAll (): Promise<void> {
    const running = this.processes.filter(p => p.running)
    for (const p of running) p.kill('SIGKILL')
    await Promise.all(running.map(async p => p.exited))
  }
}

/** the parent's environment without realmesh's own variables, so a developer's shell cannot steer the test */
function cleanEnv (): Record<string, string> {
  const env: Record<string, string> = {}
  for (const [key, value] of Object.entries(process.env)) {
    if (value != null && (!key.startsWith('REALMESH_') || key === 'REALMESH_DEBUG')) env[key] = value
  }
  return env
}
