/**
 * `realmesh VERB ...`: picks the command, and turns every error that reaches the top into one
 * line (`error CODE: message`) and an exit code.
 */
import { leaderInit } from './commands/leader-init.js'
import { leaderStart } from './commands/leader-start.js'
import { leaderDecide, leaderPending } from './commands/leader-requests.js'
import { leaderRevocations, leaderRevoke } from './commands/leader-revoke.js'
import { leaderInvitations, leaderInvite, leaderUninvite } from './commands/leader-invite.js'
import { leaderReplace } from './commands/leader-replace.js'
import { identityInit } from './commands/identity-init.js'
import { tokenIssue } from './commands/token-issue.js'
import { nodeInit } from './commands/node-init.js'
import { nodeStart } from './commands/node-start.js'
import { status } from './commands/status.js'
import { members } from './commands/members.js'
import { realm } from './commands/realm.js'
import { demo } from './commands/demo.js'
import { testnet } from './commands/testnet.js'
import { subscribe } from './commands/subscribe.js'
import { publish } from './commands/publish.js'
import { send } from './commands/send.js'
import { subjects } from './commands/subjects.js'
import { accounting } from './commands/accounting.js'
import { subscriptions } from './commands/subscriptions.js'
import { unsubscribe } from './commands/unsubscribe.js'
import { dashboard } from './commands/dashboard.js'
import { top } from './commands/top.js'
import { expose, unexpose } from './commands/expose.js'
import { services } from './commands/services.js'
import { tunnel } from './commands/tunnel.js'
import { resolve } from 'node:path'
import { networkError } from '@realmesh/node'
import { UsageError, codeOf, exitCodeOf, messageOf } from './errors.js'
import { usage, verbUsage } from './usage.js'
import { VERSION } from './version.js'
import type { Io } from './io.js'

type Command = (argv: string[], io: Io) => Promise<number>

const COMMANDS: Record<string, Command> = {
  'leader init': leaderInit,
  'leader start': leaderStart,
  'leader pending': leaderPending,
  'leader approve': async (argv, io) => leaderDecide('approve', argv, io),
  'leader deny': async (argv, io) => leaderDecide('deny', argv, io),
  'leader revoke': leaderRevoke,
  'leader revocations': leaderRevocations,
  'leader replace': leaderReplace,
  'leader invite': leaderInvite,
  'leader invitations': leaderInvitations,
  'leader uninvite': leaderUninvite,
  'identity init': identityInit,
  'token issue': tokenIssue,
  'node init': nodeInit,
  'node start': nodeStart,
  status,
  members,
  realm,
  subscribe,
  publish,
  send,
  subjects,
  accounting,
  subscriptions,
  unsubscribe,
  dashboard,
  top,
  expose,
  unexpose,
  services,
  tunnel,
  demo,
  testnet
}

/** verbs with a sub-verb (`leader`, `identity`, `token`, `node`), from the table */
const GROUPS = new Set(Object.keys(COMMANDS).flatMap(verb => verb.includes(' ') ? [verb.split(' ')[0] ?? ''] : []))

/** the verb (`node start`) and its arguments */
export function splitVerb (argv: string[]): { verb: string, rest: string[] } {
  const [first, second] = argv
  if (first != null && GROUPS.has(first) && second != null && !second.startsWith('-')) {
    return { verb: `${first} ${second}`, rest: argv.slice(2) }
  }
  return { verb: first ?? '', rest: argv.slice(1) }
}

/** `realmesh VERB [--dir ABSOLUTE_DIR]`: what `ps` shows for a realmesh process */
export function processTitle (argv: string[], cwd: string): string {
  const { verb, rest } = splitVerb(argv)
  const at = rest.findIndex(a => a === '--dir' || a.startsWith('--dir='))
  const flag = rest[at]
  const dir = flag == null ? undefined : flag === '--dir' ? rest[at + 1] : flag.slice('--dir='.length)
  return ['realmesh', verb, ...(dir == null || dir === '' ? [] : ['--dir', resolve(cwd, dir)])].filter(w => w !== '').join(' ')
}

/** Runs one command line; resolves with the process exit code. Never rejects. */
export async function runCli (argv: string[], io: Io): Promise<number> {
  const { verb, rest } = splitVerb(argv)
  if (verb === '' || verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(usage())
    return 0
  }
  if (verb === '--version' || verb === '-V') {
    io.out(`realmesh ${VERSION}`)
    return 0
  }
  const command = COMMANDS[verb]
  if (rest.includes('--help') || rest.includes('-h')) {
    io.out(verbUsage(verb))
    return 0
  }
  if (command == null && GROUPS.has(verb)) {
    io.err(verbUsage(verb))
    return 1
  }
  try {
    if (command == null) throw unknownVerb(verb)
    return await command(rest, io)
  } catch (err) {
    const typed = networkError(err)
    const line = `error ${codeOf(typed)}: ${messageOf(typed)}`
    // a daemon that failed says so in its log format
    if (io.logger != null) io.logger.error('error', line, { code: codeOf(typed) })
    else io.err(line)
    if (err instanceof UsageError) io.err(`(realmesh ${helpVerb(verb, command != null)}--help for usage)`)
    if (io.env.REALMESH_DEBUG === '1' && err instanceof Error && err.stack != null) io.err(err.stack)
    return exitCodeOf(err)
  }
}

/** the verb (or group) whose usage helps: `node start `, `leader `, or '' for all */
function helpVerb (verb: string, known: boolean): string {
  if (known) return `${verb} `
  const group = verb.split(' ')[0] ?? ''
  return GROUPS.has(group) ? `${group} ` : ''
}

/** names the word that is wrong: the sub-verb of a group (`leader revoke`), or the verb itself */
function unknownVerb (verb: string): UsageError {
  const [first = '', second] = verb.split(' ')
  if (second != null && GROUPS.has(first)) {
    const known = Object.keys(COMMANDS).filter(v => v.startsWith(`${first} `)).map(v => v.slice(first.length + 1))
    return new UsageError(`unknown sub-verb ${JSON.stringify(second)} for "${first}"; known: ${known.join(', ')}`)
  }
  const known = [...new Set(Object.keys(COMMANDS).map(v => v.split(' ')[0]))]
  return new UsageError(`unknown command ${JSON.stringify(first)}; known: ${known.join(', ')}`)
}
