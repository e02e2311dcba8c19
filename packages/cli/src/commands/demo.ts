/**
 * `realmesh demo`: a leader and N nodes in this process on loopback (createTestnet). Waits for
 * every node to join and every routing table to hold the N other members (both on events, with
 * a timeout), prints one line per node, stops everything.
 */
import { createTestnet } from '@realmesh/testnet'
import { parseFlags } from '../args.js'
import { CliError, EXIT } from '../errors.js'
import { loadConfigFile } from '../config/yaml-file.js'
import { LOCAL_REALM_DEFAULTS, MAX_DEMO_NODES, checkLocalRealmConfig } from '../config/local-realm.js'
import { integer, oneOf } from '../config/schema.js'
import { formatMs } from '../duration.js'
import { shortPeerId, table } from '../format.js'
import { checkFlag } from './node-start.js'
import type { RealmNode } from '@realmesh/node'
import type { Io } from '../io.js'

export async function demo (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, {
    nodes: { type: 'string' },
    transport: { type: 'string' },
    config: { type: 'string' }
  })
  const config = values.config == null ? {} : await loadConfigFile(values.config, checkLocalRealmConfig)
  const nodes = checkFlag(numeric(values.nodes), '--nodes', integer(1, MAX_DEMO_NODES)) ?? config.nodes ?? LOCAL_REALM_DEFAULTS.nodes
  const transport = checkFlag(values.transport, '--transport', oneOf(['tcp', 'memory'] as const)) ?? config.transport ?? LOCAL_REALM_DEFAULTS.transport
  const name = config.name ?? LOCAL_REALM_DEFAULTS.name
  const timeoutMs = config.timeoutMs ?? LOCAL_REALM_DEFAULTS.timeoutMs

  const stop = io.stopSignal()
  const signal = AbortSignal.any([stop, AbortSignal.timeout(timeoutMs)])
  const started = performance.now()
  io.err(`starting realm ${name}: a leader and ${nodes} nodes ${transport === 'tcp' ? 'on TCP over 127.0.0.1' : 'on the in-memory transport'}`)
  const testnet = await createTestnet({ size: nodes, transport, name, signal })
  try {
    let settled = true
    try {
      await testnet.whenJoined({ signal })
      // everyone else, leader included, in every routing table: the realm is fully meshed
      await testnet.whenRoutingTablesHold(nodes, { signal, timeoutMs })
    } catch (err) {
      if (stop.aborted) return EXIT.OK
      // a timeout (ours or the wait's own): say what state the realm got to
      io.err(`still waiting after ${formatMs(performance.now() - started)}: ${(err as Error).message}`)
      settled = false
    }
    const elapsed = performance.now() - started
    io.out(`realm ${testnet.realm.name} (${testnet.realm.id}): ${settled ? `ready in ${formatMs(elapsed)}` : `not settled after ${formatMs(elapsed)}`}`)
    const rows = [['', 'PEER', 'JOINED', 'MEMBERS', 'ROUTING TABLE']]
    for (const node of testnet.all) rows.push(row(node === testnet.leader.node ? 'leader' : `node ${testnet.nodes.indexOf(node) + 1}`, node))
    for (const line of table(rows)) io.out(line)
    if (!testnet.all.every(n => n.joined)) throw new CliError('DEMO_NOT_JOINED', `not every node joined within ${formatMs(timeoutMs)}`)
    if (!settled) io.err(`routing tables did not all reach ${nodes} entries within ${formatMs(timeoutMs)}`)
    return EXIT.OK
  } finally {
    await testnet.stop()
    io.err('stopped')
  }
}

function row (label: string, node: RealmNode): string[] {
  const s = node.status()
  return [label, shortPeerId(s.peerId), s.joined ? 'yes' : 'no', String(s.members.length), String(s.routingTable)]
}

/** digits as a number, anything else as given (so the error shows what was typed); also `realmesh testnet`'s */
export function numeric (text: string | undefined): unknown {
  return text != null && /^\d{1,9}$/.test(text) ? Number(text) : text
}
