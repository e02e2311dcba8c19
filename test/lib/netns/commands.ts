/**
 * The system commands the testbed drives (`ip`, `iptables`, `sysctl`), run with execFile: every
 * name and address goes in as its own argument, never through a shell. A failure is an Error that
 * names the command line and carries its stderr.
 */
import { execFile, execFileSync } from 'node:child_process'
import { accessSync, constants } from 'node:fs'
import { join } from 'node:path'
import { promisify } from 'node:util'

const execFileAsync = promisify(execFile)

/** a command that does not return within this is killed and fails (nothing here should take a second) */
const TIMEOUT_MS = 15_000

export type Tool = 'ip' | 'iptables' | 'sysctl'

/** where a system tool is, searched in PATH and then the sbin dirs (a user's PATH may lack them) */
export function which (tool: Tool): string | undefined {
  const dirs = [...(process.env.PATH ?? '').split(':'), '/usr/sbin', '/sbin', '/usr/bin', '/bin'].filter(d => d !== '')
  for (const dir of dirs) {
    const path = join(dir, tool)
    try {
      accessSync(path, constants.X_OK)
      return path
    } catch {
      // not there, or not executable: the next dir
    }
  }
  return undefined
}

function resolve (tool: Tool): string {
  const path = which(tool)
  if (path == null) throw new Error(`${tool} is not installed (searched PATH, /usr/sbin, /sbin)`)
  return path
}

export async function run (tool: Tool, args: readonly string[]): Promise<string> {
  try {
    const { stdout } = await execFileAsync(resolve(tool), args, { timeout: TIMEOUT_MS })
    return stdout
  } catch (err) {
    const stderr = (err as { stderr?: unknown }).stderr
    const why = typeof stderr === 'string' && stderr.trim() !== '' ? stderr.trim() : (err as Error).message
    throw new Error(`${tool} ${args.join(' ')}: ${why}`, { cause: err })
  }
}

/** the same, synchronously: for the cleanup that runs while the process exits (no event loop left) */
export function runSync (tool: Tool, args: readonly string[]): string {
  return execFileSync(resolve(tool), args, { timeout: TIMEOUT_MS, stdio: ['ignore', 'pipe', 'pipe'] }).toString()
}

/** `ip -n NS ...`: an ip command applied inside a namespace */
export async function ipIn (ns: string, args: readonly string[]): Promise<string> {
  return run('ip', ['-n', ns, ...args])
}

/** `iptables -w ...` inside a namespace (each namespace has its own tables) */
export async function iptablesIn (ns: string, args: readonly string[]): Promise<string> {
  return run('ip', ['netns', 'exec', ns, resolve('iptables'), '-w', ...args])
}

/** `sysctl -qw KEY=VALUE` inside a namespace (net.* settings are per namespace) */
export async function sysctlIn (ns: string, key: string, value: string): Promise<void> {
  await run('ip', ['netns', 'exec', ns, resolve('sysctl'), '-qw', `${key}=${value}`])
}

/** `ip netns exec NS COMMAND ARGS...` as a command and its arguments, for spawn() */
export function inNamespace (ns: string, command: string, args: readonly string[]): { command: string, args: string[] } {
  return { command: resolve('ip'), args: ['netns', 'exec', ns, command, ...args] }
}
