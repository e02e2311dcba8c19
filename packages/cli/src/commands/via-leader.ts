/**
 * The leader verbs that work with or without a running leader (revoke, revocations, replace): through
 * the running leader's control API (--api, or --dir with a daemon on it), else with the leader
 * directory itself (signed with the key there; the leader picks it up when it starts).
 */
import { resolve } from 'node:path'
import { resolveTarget } from '../api/client.js'
import { CliError } from '../errors.js'
import type { ApiTarget } from '../api/client.js'
import type { Io } from '../io.js'

export async function viaLeader<T> (values: { api?: string, dir?: string, 'api-token'?: string }, io: Io, online: (api: ApiTarget) => Promise<T>, offline: (dir: string) => Promise<T>): Promise<T> {
  try {
    return await online(await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env }))
  } catch (err) {
    if (!(err instanceof CliError) || err.code !== 'API_NOT_RUNNING' || values.dir == null) throw err
    return offline(resolve(values.dir))
  }
}
