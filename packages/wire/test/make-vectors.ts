// Writes packages/wire/test/vectors/{messages,signing,sealing}.json from vector-cases.ts.
// Run after an intended wire change: `pnpm build && node packages/wire/dist/test/make-vectors.js`
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { messageCases, sealingCases, signingCases } from './vector-cases.js'

const dir = join(import.meta.dirname, '..', '..', 'test', 'vectors')
const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex')

mkdirSync(dir, { recursive: true })
writeFileSync(join(dir, 'messages.json'), JSON.stringify(Object.fromEntries(messageCases.map(c => [c.name, hex(c.codec.encode(c.message))])), null, 2) + '\n')
writeFileSync(join(dir, 'signing.json'), JSON.stringify(Object.fromEntries((await signingCases()).map(c => [c.name, hex(c.bytes)])), null, 2) + '\n')
writeFileSync(join(dir, 'sealing.json'), JSON.stringify(Object.fromEntries((await sealingCases()).map(c => [c.name, hex(c.bytes)])), null, 2) + '\n')
console.log('wrote', dir)
