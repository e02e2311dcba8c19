/**
 * Message attributes (MessageData.attrs) in canonical bytes, for what authenticates them: the seal's
 * additional data and a relayed message's signature. The names sorted (by UTF-16 code unit, as
 * Array.prototype.sort does), each name and value UTF-8 behind its length (u16), the count first
 * (u8). No attributes: no bytes, so a message without them authenticates exactly as before they
 * existed.
 */
import { MAX_ATTRIBUTES, MAX_ATTRIBUTE_NAME_CHARS, MAX_ATTRIBUTE_VALUE_CHARS } from '@realmesh/token'

const EMPTY = new Uint8Array(0)

export function attributesBytes (attrs: Map<string, string> | undefined): Uint8Array {
  if (attrs == null || attrs.size === 0) return EMPTY
  const parts: Buffer[] = [Buffer.of(attrs.size)]
  for (const name of [...attrs.keys()].sort()) {
    for (const text of [name, attrs.get(name) ?? '']) {
      const bytes = Buffer.from(text, 'utf8')
      const length = Buffer.alloc(2)
      length.writeUInt16BE(bytes.byteLength)
      parts.push(length, bytes)
    }
  }
  return Buffer.concat(parts)
}

/** why `attrs` are not valid message attributes (the bounds of an interest token's), or undefined */
export function messageAttributesProblem (attrs: Map<string, string>): string | undefined {
  if (attrs.size > MAX_ATTRIBUTES) return `at most ${MAX_ATTRIBUTES} attributes, got ${attrs.size}`
  for (const [name, value] of attrs) {
    if (name.length === 0 || name.length > MAX_ATTRIBUTE_NAME_CHARS) return `attribute names of 1..${MAX_ATTRIBUTE_NAME_CHARS} characters`
    if (value.length > MAX_ATTRIBUTE_VALUE_CHARS) return `attribute ${name.slice(0, MAX_ATTRIBUTE_NAME_CHARS)}: a value of at most ${MAX_ATTRIBUTE_VALUE_CHARS} characters`
  }
  return undefined
}
