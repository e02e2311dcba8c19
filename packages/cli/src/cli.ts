/**
 * `realmesh VERB ...`: picks the command, and turns every error that reaches the top into one
 * line (`error CODE: message`) and an exit code.
 */
import { leaderInit } from './commands/leader-init.js'
import { leaderStart } from './commands/leader-start.js'
import { leaderDecide, leaderPending } from './commands/leader-requests.js'
import { tokenIssue } from './commands/token-issue.js'
import { nodeInit } from './commands/node-init.js'
import { nodeStart } from './commands/node-start.js'
import { status } from './commands/status.js'
import { demo } from './commands/demo.js'
import { subscribe } from './commands/subscribe.js'
import { publish } from './commands/publish.js'
import { send } from './commands/send.js'
import { subjects } from './commands/subjects.js'
import { UsageError, codeOf, exitCodeOf, messageOf } from './errors.js'
import { usage, verbUsage } from './usage.js'
import type { Io } from './io.js'

type Command = (argv: string[], io: Io) => Promise<number>

const COMMANDS: Record<string, Command> = {
  'leader init': leaderInit,
  'leader start': leaderStart,
  'leader pending': leaderPending,
  'leader approve': async (argv, io) => leaderDecide('approve', argv, io),
  'leader deny': async (argv, io) => leaderDecide('deny', argv, io),
  'token issue': tokenIssue,
  'node init': nodeInit,
  'node start': nodeStart,
  status,
  subscribe,
  publish,
  send,
  subjects,
  demo
}

/** verbs with a sub-verb */
const GROUPS = new Set(['leader', 'token', 'node'])

/** the verb (`node start`) and its arguments */
export function splitVerb (argv: string[]): { verb: string, rest: string[] } {
  const [first, second] = argv
  if (first != null && GROUPS.has(first) && second != null && !second.startsWith('-')) {
    return { verb: `${first} ${second}`, rest: argv.slice(2) }
  }
  return { verb: first ?? '', rest: argv.slice(1) }
}

/** Runs one command line; resolves with the process exit code. Never rejects. */
export async function runCli (argv: string[], io: Io): Promise<number> {
  const { verb, rest } = splitVerb(argv)
  if (verb === '' || verb === '--help' || verb === '-h' || verb === 'help') {
    io.out(usage())
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
    if (command == null) throw new UsageError(`unknown command ${JSON.stringify(argv.slice(0, GROUPS.has(verb) ? 2 : 1).join(' '))}`)
    return await command(rest, io)
  } catch (err) {
    io.err(`error ${codeOf(err)}: ${messageOf(err)}`)
    if (err instanceof UsageError) io.err(`(realmesh ${command == null ? '' : `${verb} `}--help for usage)`)
    if (io.env.REALMESH_DEBUG === '1' && err instanceof Error && err.stack != null) io.err(err.stack)
    return exitCodeOf(err)
  }
}
