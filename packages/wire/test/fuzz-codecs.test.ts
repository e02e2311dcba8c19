// Fuzzing of every protons-generated decoder. What a generated decoder promises: for any bytes it
// returns a message or throws an Error, synchronously (Frames.read turns that Error into
// MalformedFrameError, see fuzz-frames; broadcast catches it). A message it returns is a fixed
// point: encoding and decoding it again gives the same message, so whatever a node relays is what
// it read; up to lone surrogates: protons decodes invalid UTF-8 into strings that hold them, and
// encodes them back as themselves (3 bytes each) in strings shorter than 40 characters and as
// U+FFFD in longer ones (harmless: a token with them is refused as not base64url, and the checks
// count a reply subject's bytes on its encoded form). Valid messages round-trip exactly.
// Cases per property: fast-check's default (100), or FUZZ_CASES under `pnpm fuzz`.
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import fc from 'fast-check'
import { anyBytesFor, codecCases, comparable } from './fuzz-arbitraries.js'

describe('fuzz: generated decoders', () => {
  for (const c of codecCases) {
    test(`${c.name}.decode: arbitrary bytes give a message that re-encodes to itself, or an Error`, () => {
      fc.assert(fc.property(anyBytesFor(c), (bytes) => {
        let decoded
        try {
          decoded = c.codec.decode(bytes)
        } catch (err) {
          assert.ok(err instanceof Error, `threw a non-Error: ${String(err)}`)
          return
        }
        assert.deepEqual(comparable(c.codec.decode(c.codec.encode(decoded))), comparable(decoded))
      }))
    })

    test(`${c.name}: valid messages round-trip through encode and decode`, () => {
      fc.assert(fc.property(c.message, (message) => {
        assert.deepEqual(c.codec.decode(c.codec.encode(message)), message)
      }))
    })
  }
})
