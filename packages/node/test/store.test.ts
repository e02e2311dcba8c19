/**
 * The embedded store (issue 20, item 4): LevelDB on disk, writes that survive a SIGKILL, a second
 * process refused, and damage reported with the file named rather than silently repaired.
 */
import { describe, test } from 'node:test'
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { createInterface } from 'node:readline'
import { Key } from 'interface-datastore'
import { openStore, StoreError } from '../src/index.js'

async function tempDir (): Promise<string> {
  return mkdtemp(join(tmpdir(), 'realmesh-store-'))
}

const bytes = (text: string): Uint8Array => new TextEncoder().encode(text)

describe('the embedded store', () => {
  test('what is written is there after a close and a reopen; namespaces do not see each other', async () => {
    const dir = await tempDir()
    try {
      const first = await openStore(join(dir, 'store'))
      await first.namespace('/a').put(new Key('/x'), bytes('in a'))
      await first.namespace('/b').put(new Key('/x'), bytes('in b'))
      await first.namespace('/ab').put(new Key('/x'), bytes('in ab'))
      await first.close()
      const second = await openStore(join(dir, 'store'))
      assert.equal(new TextDecoder().decode(await second.namespace('/a').get(new Key('/x'))), 'in a')
      assert.equal(new TextDecoder().decode(await second.namespace('/b').get(new Key('/x'))), 'in b')
      assert.equal(await second.namespace('/c').has(new Key('/x')), false)
      // a part's queries read its range and show its keys without the prefix
      const keys: string[] = []
      for await (const key of second.namespace('/a').queryKeys({})) keys.push(key.toString())
      for await (const { key } of second.namespace('/b').query({ prefix: '/x' })) keys.push(`b${key.toString()}`)
      for await (const key of second.namespace('/a').queryKeys({ prefix: '/y' })) keys.push(key.toString())
      assert.deepEqual(keys, ['/x', 'b/x'])
      await second.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a second opener is refused with STORE_LOCKED while the first has it', async () => {
    const dir = await tempDir()
    try {
      const first = await openStore(join(dir, 'store'))
      await assert.rejects(openStore(join(dir, 'store')), (err: unknown) => err instanceof StoreError && err.code === 'STORE_LOCKED' && err.path === join(dir, 'store'))
      await first.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('writes that resolved survive a SIGKILL of the writing process', async () => {
    const dir = await tempDir()
    try {
      const path = join(dir, 'store')
      const module = new URL('../src/store/store.js', import.meta.url).href
      // the child writes keys 0, 1, 2, ... and prints each once its put resolved, until killed
      const child = spawn(process.execPath, ['--input-type=module', '-e', `
        import { openStore } from ${JSON.stringify(module)}
        import { Key } from 'interface-datastore'
        const store = await openStore(${JSON.stringify(path)})
        for (let i = 0; ; i++) {
          await store.datastore.put(new Key('/k/' + i), new Uint8Array(1024).fill(i % 256))
          process.stdout.write(i + '\\n')
        }
      `], { cwd: new URL('..', import.meta.url).pathname, stdio: ['ignore', 'pipe', 'inherit'] })
      let written = -1
      const lines = createInterface({ input: child.stdout })
      for await (const line of lines) {
        written = Number(line)
        if (written >= 2000) break
      }
      child.kill('SIGKILL')
      await once(child, 'exit')
      const store = await openStore(path)
      try {
        for (let i = 0; i <= written; i++) assert.equal((await store.datastore.get(new Key(`/k/${i}`)))[0], i % 256, `key ${i}`)
      } finally {
        await store.close()
      }
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a damaged write-ahead log is reported as STORE_DAMAGED naming the file, and again until the operator says to go on', async () => {
    const dir = await tempDir()
    try {
      const path = join(dir, 'store')
      const store = await openStore(path)
      for (let i = 0; i < 100; i++) await store.datastore.put(new Key(`/k/${i}`), new Uint8Array(1000).fill(i))
      await store.close()
      const log = (await readdir(path)).find(f => f.endsWith('.log'))
      assert.ok(log != null)
      const content = await readFile(join(path, log))
      content.fill(9, 5000, 6000)
      await writeFile(join(path, log), content)
      const refused = (err: unknown): boolean => err instanceof StoreError && err.code === 'STORE_DAMAGED' && err.message.includes(log) && err.message.includes('DAMAGED')
      await assert.rejects(openStore(path), refused)
      await assert.rejects(openStore(path), refused, 'still refused at the next start')
      await rm(join(path, 'DAMAGED'))
      const kept = await openStore(path)
      let count = 0
      for await (const _ of kept.datastore.queryKeys({ prefix: '/k' })) count++
      assert.ok(count > 0 && count < 100, `${count} records kept`)
      await kept.close()
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  test('a damaged manifest is STORE_DAMAGED', async () => {
    const dir = await tempDir()
    try {
      const path = join(dir, 'store')
      const store = await openStore(path)
      await store.datastore.put(new Key('/x'), bytes('x'))
      await store.close()
      const manifest = (await readdir(path)).find(f => f.startsWith('MANIFEST'))
      assert.ok(manifest != null)
      await writeFile(join(path, manifest), Buffer.alloc(100, 7))
      await assert.rejects(openStore(path), (err: unknown) => err instanceof StoreError && err.code === 'STORE_DAMAGED')
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
