/**
 * GET /realm: the members' signed status summaries (node.realmSummaries(): up to 64 members, each
 * given 5 s, answers cached for 10 s), served by both daemons so one of them shows the whole realm.
 */
import type { RealmNode, RealmSummariesResult } from '@realmesh/node'
import type { Route } from '../router.js'

export function realmRoutes (node: RealmNode): Route[] {
  return [
    {
      method: 'GET',
      path: '/realm',
      auth: true,
      handle: async ({ signal }): Promise<RealmSummariesResult> => node.realmSummaries({ signal })
    }
  ]
}
