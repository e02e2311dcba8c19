import { RealmeshError } from '@realmesh/wire'

/**
 * A relay refusal with its wire code: RELAY_FULL (a bound of the coordinator's relay store),
 * RELAY_RECEIVER_UNKNOWN (the coordinator holds no interest of that receiver on the subject),
 * RELAY_TAMPERED (a relayed message whose sender signature does not verify).
 */
export class RelayError extends RealmeshError {
  static override name = 'RelayError'
}
