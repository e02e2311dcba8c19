/**
 * Banned peers, with the time each ban ends. Bounded; persisted through a BanStore so that bans
 * survive a restart (the CLI keeps them in the node's data dir).
 */
import { jsonListFile } from '../util/json-file.js'

export interface Ban {
  peer: string
  /** ms since the epoch */
  until: number
  reason: string
}

export interface BanStore {
  load(): Promise<Ban[]>
  save(bans: Ban[]): Promise<void>
}

/** A BanStore in a JSON file, written atomically (temp file + rename), mode 0600; a damaged file holds no bans. */
export function fileBanStore (path: string): BanStore {
  return jsonListFile<Ban, Ban>(path, ban => ban, (b) => isBan(b) ? b : undefined)
}

function isBan (value: unknown): value is Ban {
  const b = value as Partial<Ban> | null
  return typeof b?.peer === 'string' && typeof b.until === 'number' && typeof b.reason === 'string'
}

export interface BanListInit {
  /** most bans kept; beyond it the ban ending soonest is dropped. @default 10000 */
  maxBans?: number
  store?: BanStore
  now?: () => number
}

export class BanList {
  private readonly bans = new Map<string, Ban>()
  private readonly maxBans: number
  private readonly store: BanStore | undefined
  private readonly now: () => number
  private saving: Promise<void> = Promise.resolve()

  constructor (init: BanListInit = {}) {
    this.maxBans = init.maxBans ?? 10_000
    this.store = init.store
    this.now = init.now ?? Date.now
  }

  async load (): Promise<void> {
    if (this.store == null) return
    const now = this.now()
    for (const ban of await this.store.load()) {
      if (ban.until > now) this.bans.set(ban.peer, ban)
    }
  }

  isBanned (peer: string): boolean {
    const ban = this.bans.get(peer)
    if (ban == null) return false
    if (ban.until > this.now()) return true
    this.bans.delete(peer)
    return false
  }

  get (peer: string): Ban | undefined {
    return this.isBanned(peer) ? this.bans.get(peer) : undefined
  }

  list (): Ban[] {
    const now = this.now()
    return [...this.bans.values()].filter(b => b.until > now)
  }

  /** bans `peer` for `durationMs`; resolves once the ban is stored */
  async ban (peer: string, durationMs: number, reason: string): Promise<void> {
    this.bans.delete(peer)
    this.bans.set(peer, { peer, until: this.now() + durationMs, reason })
    if (this.bans.size > this.maxBans) {
      let soonest: Ban | undefined
      for (const b of this.bans.values()) if (soonest == null || b.until < soonest.until) soonest = b
      if (soonest != null) this.bans.delete(soonest.peer)
    }
    await this.persist()
  }

  async unban (peer: string): Promise<void> {
    if (this.bans.delete(peer)) await this.persist()
  }

  private async persist (): Promise<void> {
    if (this.store == null) return
    const store = this.store
    // one write at a time, each with the list as it is when it runs
    this.saving = this.saving.catch(() => {}).then(async () => { await store.save(this.list()) })
    await this.saving
  }
}
