/**
 * Regenerates the golden token vectors in packages/token/test/vectors/*.json: one file per token
 * kind (inputs, realm, exact token, header, claims) and refusals.json (bad tokens and the code
 * each must be refused with).
 *
 *   pnpm build && node packages/token/dist/test/make-vectors.js
 *
 * Only run it when a token format change is intended, then review the diff of the JSON files:
 * vectors.test.ts fails whenever issuing the same inputs gives other bytes.
 */
import { mkdir, writeFile } from 'node:fs/promises'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { decodeTokenUnverified } from '../src/index.js'
import { issueVector, refusalVectors, VECTOR_KINDS, vectorInputs } from './vectors.js'
import type { TokenVector } from './vectors.js'

/** The checked-in vectors directory (from dist/test/ back to the sources). */
export const VECTORS_DIR = fileURLToPath(new URL('../../test/vectors/', import.meta.url))

async function main (): Promise<void> {
  const all = await vectorInputs()
  await mkdir(VECTORS_DIR, { recursive: true })
  for (const kind of VECTOR_KINDS) {
    const { description, inputs } = all[kind]
    const { token, realm } = await issueVector(kind, inputs)
    const { header, claims } = decodeTokenUnverified(token)
    const vector: TokenVector = { description, kind, inputs, realm, token, header, claims }
    const path = `${VECTORS_DIR}${kind}-token.json`
    await writeFile(path, `${JSON.stringify(vector, null, 2)}\n`)
    console.log(`wrote ${path}`)
  }
  const path = `${VECTORS_DIR}refusals.json`
  await writeFile(path, `${JSON.stringify(await refusalVectors(), null, 2)}\n`)
  console.log(`wrote ${path}`)
}

// run only as a script: never when imported, and never when a test runner picks this file up
const entry = process.argv[1]
if (entry !== undefined && import.meta.url === pathToFileURL(entry).href) {
  if (process.env.NODE_TEST_CONTEXT !== undefined) {
    console.log('make-vectors: not regenerating vectors under the test runner')
  } else {
    await main()
  }
}
