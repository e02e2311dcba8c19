// Shared by the CLI's unit tests: temp dirs, a realm with a leader key, and an Io that records.
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import { createRealmDescriptor, generateNodeKey, issueNodeToken } from '@realmesh/token'
import type { RealmDescriptor } from '@realmesh/token'
import { runCli } from '../src/index.js'
import type { Io } from '../src/index.js'

export type Key = Awaited<ReturnType<typeof generateNodeKey>>

/** A temp dir under os.tmpdir(); `cleanup` removes every one made. */
export class TempDirs {
  private readonly dirs: string[] = []

  async make (prefix = 'realmesh-cli-'): Promise<string> {
    const dir = await mkdtemp(join(tmpdir(), prefix))
    this.dirs.push(dir)
    return dir
  }

  async cleanup (): Promise<void> {
    await Promise.all(this.dirs.splice(0).map(async d => rm(d, { recursive: true, force: true })))
  }
}

export interface TestRealm {
  realm: RealmDescriptor
  leaderKey: Key
  issue: (key: Key, options?: { ttlSeconds?: number, now?: number }) => Promise<string>
}

export async function makeRealm (name = 'cli-test'): Promise<TestRealm> {
  const leaderKey = await generateNodeKey()
  const realm = createRealmDescriptor({ name, leaderKey })
  return {
    realm,
    leaderKey,
    issue: async (key, options = {}) => {
      const at = options.now
      return issueNodeToken(leaderKey, { realm, subject: peerIdFromPrivateKey(key), ttlSeconds: options.ttlSeconds, now: at == null ? undefined : () => at })
    }
  }
}

/** An Io that keeps what is written; `stop()` aborts its stop signal like SIGTERM would. */
export class RecordingIo implements Io {
  readonly stdout: string[] = []
  readonly stderr: string[] = []
  readonly env: Record<string, string | undefined>
  private readonly controller = new AbortController()

  constructor (env: Record<string, string | undefined> = {}) {
    this.env = env
  }

  out = (line: string): void => { this.stdout.push(line) }
  err = (line: string): void => { this.stderr.push(line) }
  stopSignal = (): AbortSignal => this.controller.signal

  stop (): void {
    this.controller.abort()
  }
}

/** Runs one command line in-process; resolves with its exit code and what it wrote. */
export async function run (argv: string[], env: Record<string, string | undefined> = {}): Promise<{ code: number, io: RecordingIo }> {
  const io = new RecordingIo(env)
  const code = await runCli(argv, io)
  return { code, io }
}

/** a daemon's stderr lines without their log prefix (`TIME LEVEL `, log format text) */
export function messages (io: RecordingIo): string[] {
  return io.stderr.map(line => line.replace(/^\S+Z (?:ERROR|WARN|INFO|DEBUG) +/, ''))
}

/** the code of the `error CODE: message` line (a daemon's has its log line's time and level before it) */
export function errorCode (io: RecordingIo): string | undefined {
  for (const line of io.stderr) {
    const match = /^(?:\S+Z ERROR +)?error ([A-Z0-9_]+): /.exec(line)
    if (match != null) return match[1]
  }
  return undefined
}
