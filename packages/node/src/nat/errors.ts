import { RealmeshError } from '@realmesh/wire'

/** A NAT traversal setting (RealmNodeInit.nat, node.yaml `nat:`) is out of bounds; nothing was built. */
export class NatConfigError extends RealmeshError {
  static override name = 'NatConfigError'
  readonly key: string

  constructor (key: string, expected: string) {
    super('NAT_CONFIG_INVALID', `nat.${key} must be ${expected}`)
    this.key = key
  }
}
