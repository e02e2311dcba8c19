/**
 * The services this node exposes through tunnels: name -> a local TCP endpoint and who may open
 * it. Bounded (TunnelsInit.maxServices); a definition is checked whole before anything changes.
 */
import { isIP } from 'node:net'
import { MAX_TUNNEL_SERVICES, isServiceName } from '@realmesh/wire'
import { TunnelError, TunnelErrorCode } from './errors.js'

/**
 * Who may open a service: a member whose identity token (its node token when it is its own
 * identity) has attribute `attr` equal to `value`, or the member whose node peer id or identity id
 * is `peer`.
 */
export type AllowRule = { attr: string, value: string } | { peer: string }

export interface ServiceDefinition {
  /** 1..64 of [A-Za-z0-9._-], beginning with a letter or digit */
  name: string
  /** what the exposing node connects to: a host name or IP address, and a port */
  host: string
  port: number
  /** any one rule admits a member; none (or an empty list) admits every member of the realm */
  allow?: AllowRule[]
}

export interface Service extends Required<ServiceDefinition> {
  /** when it was exposed (or its definition last replaced), ms */
  since: number
}

/** what allow rules look at: the opening member */
export interface TunnelParty {
  /** its node peer id */
  peer: string
  /** its identity (the node itself, or the identity its identity token names) */
  identity: string
  /** its identity token's attributes */
  attrs: Record<string, string>
}

export function allows (service: Service, party: TunnelParty): boolean {
  if (service.allow.length === 0) return true
  return service.allow.some(rule => 'peer' in rule
    ? rule.peer === party.peer || rule.peer === party.identity
    : Object.hasOwn(party.attrs, rule.attr) && party.attrs[rule.attr] === rule.value)
}

/** the most rules one service may have */
const MAX_RULES = 64
/** longest host name, attribute name or value, peer id in a definition */
const MAX_FIELD_CHARS = 256

export class ServiceRegistry {
  private readonly services = new Map<string, Service>()
  private readonly maxServices: number
  private readonly now: () => number

  constructor (maxServices: number, now: () => number) {
    if (!Number.isInteger(maxServices) || maxServices < 1 || maxServices > MAX_TUNNEL_SERVICES) {
      throw new RangeError(`maxServices must be an integer in 1..${MAX_TUNNEL_SERVICES}`)
    }
    this.maxServices = maxServices
    this.now = now
  }

  get (name: string): Service | undefined {
    return this.services.get(name)
  }

  list (): Service[] {
    return [...this.services.values()].sort((a, b) => a.name.localeCompare(b.name))
  }

  /** Adds a service, or replaces the one of that name; returns it and whether it replaced one. */
  set (definition: ServiceDefinition): { service: Service, replaced: boolean } {
    const service = checkDefinition(definition, this.now())
    const replaced = this.services.has(service.name)
    if (!replaced && this.services.size >= this.maxServices) {
      throw new TunnelError(TunnelErrorCode.TUNNEL_SERVICES_FULL, `this node exposes ${this.services.size} services, its limit: unexpose one first`)
    }
    this.services.set(service.name, service)
    return { service, replaced }
  }

  delete (name: string): boolean {
    return this.services.delete(name)
  }
}

function invalid (detail: string): never {
  throw new TunnelError(TunnelErrorCode.TUNNEL_SERVICE_INVALID, detail)
}

function checkDefinition (definition: ServiceDefinition, now: number): Service {
  const { name, host, port } = definition
  if (typeof name !== 'string' || !isServiceName(name)) invalid(`service name ${JSON.stringify(name)}: 1 to 64 of [A-Za-z0-9._-], beginning with a letter or digit`)
  if (typeof host !== 'string' || host === '' || host.length > MAX_FIELD_CHARS || (isIP(host) === 0 && !/^[A-Za-z0-9.-]+$/.test(host))) invalid(`host ${JSON.stringify(host)}: a host name or an IP address`)
  if (!Number.isInteger(port) || port < 1 || port > 65535) invalid(`port ${String(port)}: an integer in 1..65535`)
  const allow = definition.allow ?? []
  if (!Array.isArray(allow) || allow.length > MAX_RULES) invalid(`allow: at most ${MAX_RULES} rules`)
  return { name, host, port, allow: allow.map(checkRule), since: now }
}

function checkRule (rule: AllowRule): AllowRule {
  const field = (value: unknown, what: string): string => {
    if (typeof value !== 'string' || value === '' || value.length > MAX_FIELD_CHARS) invalid(`allow rule: ${what} must be 1 to ${MAX_FIELD_CHARS} characters`)
    return value
  }
  if (typeof rule !== 'object' || rule == null) invalid('allow rule: { attr, value } or { peer }')
  if ('peer' in rule) return { peer: field(rule.peer, 'peer') }
  return { attr: field(rule.attr, 'attr'), value: field(rule.value, 'value') }
}
