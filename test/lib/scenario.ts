/**
 * The frame of an end-to-end scenario, shared by the e2e suites: a temp dir, a ProcessGroup of CLI
 * processes in it, a node config for many nodes on one IP, and numbered steps that run in order
 * and skip once one has failed. After the last step every process is killed and the dir removed;
 * when a step failed (or E2E_VERBOSE=1) the output of every process is printed.
 *
 * Call `scenario()` inside `describe()`: it registers the suite's `before` and `after` hooks.
 */
import { after, before, test } from 'node:test'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { ProcessGroup } from './cli-process.js'
import { makeTempDir } from './temp-dir.js'

/** many nodes on one IP start within a second: libp2p's per-IP inbound rate limit (5/s) is for the internet */
const NODE_CONFIG = 'connections:\n  inboundConnectionThreshold: 1000\n'

export interface Scenario {
  /** the scenario's temp dir */
  readonly root: string
  readonly procs: ProcessGroup
  /** a node config file (YAML) for `--config` / `--node-config` */
  readonly config: string
  /** a data dir in the scenario's temp dir */
  dir: (name: string) => string
  /**
   * a test that is skipped once an earlier step failed; a `todo` step (behaviour not built yet,
   * the reason given) is reported as todo, and its failure does not skip the steps after it; a
   * `skip` step (something it needs is missing, the reason given) does not run
   */
  step: (name: string, fn: () => Promise<void>, options?: { todo?: string, skip?: string }) => void
}

export function scenario (): Scenario {
  let root: { path: string, remove: () => Promise<void> } | undefined
  let procs: ProcessGroup | undefined
  let broken = false
  const started = (): { path: string, procs: ProcessGroup } => {
    if (root == null || procs == null) throw new Error('the scenario has not started: call scenario() inside describe()')
    return { path: root.path, procs }
  }

  before(async () => {
    root = await makeTempDir()
    procs = new ProcessGroup(root.path)
    await writeFile(join(root.path, 'node.yaml'), NODE_CONFIG)
  })

  after(async () => {
    if (procs != null) {
      if (broken || process.env.E2E_VERBOSE === '1') console.error(procs.describe())
      await procs.killAll()
    }
    await root?.remove()
  })

  return {
    get root () { return started().path },
    get procs () { return started().procs },
    get config () { return join(started().path, 'node.yaml') },
    dir: (name) => join(started().path, name),
    step (name, fn, options = {}) {
      test(name, { todo: options.todo, skip: options.skip }, async (t) => {
        if (broken) {
          t.skip('an earlier step failed')
          return
        }
        try {
          await fn()
        } catch (err) {
          if (options.todo == null) broken = true
          throw err
        }
      })
    }
  }
}
