/**
 * Whether this machine can run the testbed: Linux, root, `ip` and `sysctl` (and `iptables` for
 * partitions and NAT), and a namespace with a veth pair and a bridge can really be made (a
 * container without CAP_NET_ADMIN has every tool and still cannot). The answer is the reason it
 * cannot, for the skip message, or undefined.
 */
import { namespaceName, removeNamespace, track } from './cleanup.js'
import { ipIn, iptablesIn, run, which } from './commands.js'

export interface Needs {
  /** iptables (partitions, NAT routers) */
  iptables?: boolean
}

export async function netnsUnavailable (needs: Needs = {}): Promise<string | undefined> {
  if (process.platform !== 'linux') return `network namespaces are Linux only (this is ${process.platform})`
  if (process.getuid?.() !== 0) return 'network namespaces need root (run the tests as root, as CI does)'
  const tools = ['ip', 'sysctl', ...(needs.iptables === true ? ['iptables'] as const : [])] as const
  const missing = tools.filter(tool => which(tool) == null)
  if (missing.length > 0) return `${missing.join(', ')} not installed (Debian: apt-get install -y iproute2 procps iptables)`
  const probe = namespaceName(0, 'probe')
  try {
    await run('ip', ['netns', 'add', probe])
    track(probe)
    await ipIn(probe, ['link', 'add', 'name', 'a', 'type', 'veth', 'peer', 'name', 'b'])
    await ipIn(probe, ['link', 'add', 'name', 'br', 'type', 'bridge'])
    if (needs.iptables === true) await iptablesIn(probe, ['-t', 'nat', '-S'])
    return undefined
  } catch (err) {
    return `cannot build the testbed here: ${(err as Error).message}`
  } finally {
    await removeNamespace(probe).catch(() => {})
  }
}
