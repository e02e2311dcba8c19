/**
 * A multi-host network in Linux network namespaces, for tests that run daemons as OS processes on
 * real TCP between hosts:
 *
 * - a *segment* is a bridge in a namespace of its own (a switch) with a /24 of its own;
 * - a *host* is a namespace with lo up, plugged into segments by veth pairs (inside the host the
 *   interface is named after the segment), with an address on each;
 * - a *NAT router* is a host on an outside segment and a fresh inside segment, forwarding, with
 *   `iptables -t nat -A POSTROUTING -o <outside> -j MASQUERADE`; hosts plugged into its inside
 *   segment get their default route through it;
 * - a *partition* drops, in every host of each side, what comes from the other side's addresses
 *   (iptables INPUT and FORWARD), so that connections hang silently as on a cut link; `heal()`
 *   deletes exactly those rules. `unplug`/`plug` takes one host's link down at the switch instead;
 * - `moveAddress` gives a host another address on a segment while it runs.
 *
 * Nothing is made in the machine's own namespace, so addresses cannot clash with the machine's and
 * removing the namespaces removes everything (see cleanup.ts for when that happens). Programs run
 * inside a host with `ip netns exec <host.ns> ...` (`ProcessGroup.within(host.ns)` for the CLI).
 */
import { namespaceName, removeNamespace, sweepLeftovers, track } from './cleanup.js'
import { ipIn, iptablesIn, run, sysctlIn } from './commands.js'

/** host and segment names: short, because the segment's name is an interface name (15 bytes at most) */
const NAME = /^[a-z][a-z0-9]{0,9}$/
const CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.0\/24$/
/** the bridge inside a segment's namespace */
const BRIDGE = 'br'

let beds = 0

export class Segment {
  readonly name: string
  readonly ns: string
  /** the /24's first three octets, e.g. '10.99.0' */
  readonly net: string
  /** the NAT router's address on it, for a router's inside segment: hosts plugged in route through it */
  gateway: string | undefined
  private nextAddress = 10
  private ports = 0

  constructor (name: string, ns: string, net: string) {
    this.name = name
    this.ns = ns
    this.net = net
  }

  /** the next free address of the segment (.10, .11, ...; a router's inside leg is .1) */
  allocate (): string {
    if (this.nextAddress > 254) throw new Error(`segment ${this.name}: no address left`)
    return `${this.net}.${this.nextAddress++}`
  }

  /** a fresh name for the switch's end of a veth pair */
  port (): string {
    return `p${this.ports++}`
  }
}

interface Leg { address: string, port: string }

export class Host {
  readonly name: string
  readonly ns: string
  readonly legs = new Map<Segment, Leg>()

  constructor (name: string, ns: string) {
    this.name = name
    this.ns = ns
  }

  /** the host's address on `segment` (its only segment when omitted) */
  address (segment?: Segment): string {
    const leg = segment != null ? this.legs.get(segment) : onlyOne(this)
    if (leg == null) throw new Error(`host ${this.name} is not on segment ${segment?.name ?? '?'}`)
    return leg.address
  }
}

export interface NatRouter {
  router: Host
  /** the private segment behind it: hosts plugged into it reach `outside` through the NAT */
  inside: Segment
  /** the address the outside sees for every host behind it */
  publicAddress: string
}

export class Partition {
  private readonly rules: Array<{ ns: string, rule: string[] }>
  private healed = false

  constructor (rules: Array<{ ns: string, rule: string[] }>) {
    this.rules = rules
  }

  /** deletes the partition's DROP rules: traffic flows again (connections that timed out meanwhile stay closed) */
  async heal (): Promise<void> {
    if (this.healed) return
    this.healed = true
    await Promise.all(this.rules.map(async ({ ns, rule }) => iptablesIn(ns, ['-D', ...rule])))
  }
}

export class Testbed {
  readonly id: number
  private readonly namespaces: string[] = []
  private partitions = 0

  private constructor (id: number) {
    this.id = id
  }

  /** a new testbed, after removing what killed runs left behind */
  static async create (): Promise<Testbed> {
    const removed = await sweepLeftovers()
    if (removed.length > 0) console.error(`netns testbed: removed ${removed.length} namespaces left by earlier runs: ${removed.join(', ')}`)
    return new Testbed(++beds)
  }

  /** a switch with the /24 `cidr` (e.g. '10.99.0.0/24'), in a namespace of its own */
  async segment (name: string, cidr: string): Promise<Segment> {
    checkName(name)
    const match = CIDR.exec(cidr)
    if (match == null || match.slice(1).some(octet => Number(octet) > 255)) throw new TypeError(`segment ${name}: ${cidr} is not an a.b.c.0/24 network`)
    const ns = await this.namespace(`seg-${name}`)
    await ipIn(ns, ['link', 'add', 'name', BRIDGE, 'type', 'bridge'])
    await ipIn(ns, ['link', 'set', 'dev', BRIDGE, 'up'])
    return new Segment(name, ns, match.slice(1, 4).join('.'))
  }

  /** a host plugged into `segments` (each at its next free address) */
  async host (name: string, ...segments: Segment[]): Promise<Host> {
    checkName(name)
    const host = new Host(name, await this.namespace(name))
    for (const segment of segments) await this.plugIn(host, segment)
    return host
  }

  /** plugs `host` into `segment` with a veth pair, at `address` (default: the segment's next free one) */
  async plugIn (host: Host, segment: Segment, address = segment.allocate()): Promise<string> {
    if (host.legs.has(segment)) throw new Error(`host ${host.name} is already on segment ${segment.name}`)
    const port = segment.port()
    await run('ip', ['link', 'add', 'name', segment.name, 'netns', host.ns, 'type', 'veth', 'peer', 'name', port, 'netns', segment.ns])
    await ipIn(segment.ns, ['link', 'set', 'dev', port, 'master', BRIDGE])
    await ipIn(segment.ns, ['link', 'set', 'dev', port, 'up'])
    await ipIn(host.ns, ['addr', 'add', `${address}/24`, 'dev', segment.name])
    await ipIn(host.ns, ['link', 'set', 'dev', segment.name, 'up'])
    host.legs.set(segment, { address, port })
    await this.routeThroughGateway(host, segment)
    return address
  }

  /**
   * A NAT router between `outside` and a new private segment `insideName` with the /24
   * `insideCidr`: forwarding on, everything leaving by the outside leg masqueraded as the router's
   * outside address. Private segments of different routers may use the same /24, as homes do.
   */
  async natRouter (name: string, outside: Segment, insideName: string, insideCidr: string): Promise<NatRouter> {
    const inside = await this.segment(insideName, insideCidr)
    const router = await this.host(name, outside)
    await this.plugIn(router, inside, `${inside.net}.1`)
    await sysctlIn(router.ns, 'net.ipv4.ip_forward', '1')
    await iptablesIn(router.ns, ['-t', 'nat', '-A', 'POSTROUTING', '-o', outside.name, '-j', 'MASQUERADE'])
    inside.gateway = `${inside.net}.1`
    return { router, inside, publicAddress: router.address(outside) }
  }

  /**
   * Splits `segment` between `sides[0]` and `sides[1]`: every host of one side drops what comes from
   * the other side's addresses on the segment (pass a NAT router to cut off the hosts behind it).
   * Silent, like a cut cable: packets leave and never arrive, nothing is refused.
   */
  async partition (segment: Segment, sides: [Host[], Host[]]): Promise<Partition> {
    const tag = `rmnet-part-${this.id}-${++this.partitions}`
    const rules: Array<{ ns: string, rule: string[] }> = []
    for (const [mine, theirs] of [[sides[0], sides[1]], [sides[1], sides[0]]] as const) {
      for (const host of mine) {
        for (const other of theirs) {
          for (const chain of ['INPUT', 'FORWARD']) {
            rules.push({ ns: host.ns, rule: [chain, '-s', `${other.address(segment)}/32`, '-m', 'comment', '--comment', tag, '-j', 'DROP'] })
          }
        }
      }
    }
    const partition = new Partition(rules)
    await Promise.all(rules.map(async ({ ns, rule }) => iptablesIn(ns, ['-I', ...rule])))
    return partition
  }

  /** takes `host`'s link to `segment` down at the switch (an unplugged cable: the host keeps its address) */
  async unplug (host: Host, segment: Segment): Promise<void> {
    await ipIn(segment.ns, ['link', 'set', 'dev', leg(host, segment).port, 'down'])
  }

  /** brings a link taken down by `unplug` up again */
  async plug (host: Host, segment: Segment): Promise<void> {
    await ipIn(segment.ns, ['link', 'set', 'dev', leg(host, segment).port, 'up'])
  }

  /**
   * Moves `host`'s address on `segment` to `to` (default: the segment's next free address) while
   * whatever runs there goes on, as a new DHCP lease would: the old address is gone first, then the
   * new one is added (and the default route through a NAT router restored). Resolves with the new
   * address.
   */
  async moveAddress (host: Host, segment: Segment, to = segment.allocate()): Promise<string> {
    const current = leg(host, segment)
    await ipIn(host.ns, ['addr', 'del', `${current.address}/24`, 'dev', segment.name])
    await ipIn(host.ns, ['addr', 'add', `${to}/24`, 'dev', segment.name])
    host.legs.set(segment, { ...current, address: to })
    await this.routeThroughGateway(host, segment)
    return to
  }

  /** removes every namespace of the testbed, with everything in it (SIGKILLing what still runs there) */
  async destroy (): Promise<void> {
    // hosts before the switches their veth pairs end in (each pair goes with either end)
    for (const ns of this.namespaces.splice(0).reverse()) await removeNamespace(ns)
  }

  private async namespace (name: string): Promise<string> {
    const ns = namespaceName(this.id, name)
    await run('ip', ['netns', 'add', ns])
    track(ns)
    this.namespaces.push(ns)
    await ipIn(ns, ['link', 'set', 'dev', 'lo', 'up'])
    return ns
  }

  private async routeThroughGateway (host: Host, segment: Segment): Promise<void> {
    if (segment.gateway != null && segment.gateway !== host.address(segment)) {
      await ipIn(host.ns, ['route', 'replace', 'default', 'via', segment.gateway, 'dev', segment.name])
    }
  }
}

function checkName (name: string): void {
  if (!NAME.test(name)) throw new TypeError(`testbed name ${JSON.stringify(name)}: a lowercase letter, then up to 9 lowercase letters or digits`)
}

function leg (host: Host, segment: Segment): Leg {
  const found = host.legs.get(segment)
  if (found == null) throw new Error(`host ${host.name} is not on segment ${segment.name}`)
  return found
}

function onlyOne (host: Host): Leg | undefined {
  if (host.legs.size !== 1) throw new Error(`host ${host.name} is on ${host.legs.size} segments: name the segment`)
  return [...host.legs.values()][0]
}
