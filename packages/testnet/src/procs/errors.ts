/** an error of the multi-process testnet, with a stable `code` (TESTNET_*) */
export class TestnetError extends Error {
  constructor (readonly code: string, message: string) {
    super(message)
    this.name = 'TestnetError'
  }
}
