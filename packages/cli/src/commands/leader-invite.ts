/**
 * `realmesh leader invite`, `leader invitations`, `leader uninvite ID`: through the running
 * leader's control API (an invitation names the leader's current addresses and is redeemed at the
 * running leader, so there is no offline form).
 *
 * invite prints the URI, then the same as a QR code (terminal block characters, two modules a
 * character line); --png FILE writes it as an image too (0600: it holds the secret); --json
 * prints the JSON form instead (packages/leader/README.md: Invitations).
 */
import { chmod, writeFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import QRCode from 'qrcode'
import { parseAttributes, parseFlags } from '../args.js'
import { callApi, resolveTarget } from '../api/client.js'
import { parseDuration } from '../duration.js'
import { UsageError } from '../errors.js'
import { isoTime, table, text } from '../format.js'
import { TARGET_FLAGS } from './status.js'
import type { Invitation, InvitationSummary } from '@realmesh/leader'
import type { Io } from '../io.js'

/** low error correction: the most data a code holds (a screen is a clean medium); qrcode picks the version */
const QR_OPTIONS = { errorCorrectionLevel: 'L' } as const

export async function leaderInvite (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, { ...TARGET_FLAGS, ttl: { type: 'string' }, uses: { type: 'string' }, attr: { type: 'string', multiple: true }, png: { type: 'string' } })
  const ttlSeconds = values.ttl == null ? undefined : parseDuration(values.ttl)
  const uses = values.uses == null ? undefined : Number(values.uses)
  if (uses !== undefined && (!Number.isSafeInteger(uses) || uses < 1)) throw new UsageError(`--uses: expected a whole number, at least 1, got ${JSON.stringify(values.uses)}`)
  if (values.png === '') throw new UsageError('--png: expected a file path')
  const attrs = parseAttributes(values.attr, '--attr')
  const api = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const invitation = await callApi(api, '/invitations', { method: 'POST', body: { ttlSeconds, uses, attrs } }) as Invitation
  if (values.png != null) {
    const path = resolve(values.png)
    await writeFile(path, await QRCode.toBuffer(invitation.uri, { ...QR_OPTIONS, type: 'png', margin: 4, scale: 4 }), { mode: 0o600 })
    await chmod(path, 0o600)
    io.err(`QR code written to ${path} (0600: it holds the invitation's secret)`)
  }
  if (values.json === true) {
    const { uri: _uri, ...json } = invitation
    io.out(JSON.stringify(json, null, 2))
    return 0
  }
  io.out(invitation.uri)
  io.out(await QRCode.toString(invitation.uri, { ...QR_OPTIONS, type: 'terminal', small: true }))
  io.err(`invitation ${invitation.id} for ${invitation.uses === 1 ? 'one node' : `${invitation.uses} nodes`}, until ${invitation.expiresAt}: realmesh node start --dir DIR --invitation 'URI' (cancel: realmesh leader uninvite ${invitation.id})`)
  return 0
}

export async function leaderInvitations (argv: string[], io: Io): Promise<number> {
  const { values } = parseFlags(argv, TARGET_FLAGS)
  const api = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const { invitations } = await callApi(api, '/invitations') as { invitations: InvitationSummary[] }
  if (values.json === true) {
    io.out(JSON.stringify(invitations, null, 2))
    return 0
  }
  if (invitations.length === 0) {
    io.out('no invitations')
    return 0
  }
  const rows = [['ID', 'STATE', 'USED', 'CREATED', 'EXPIRES', 'ATTRIBUTES']]
  for (const i of invitations) rows.push([i.id, i.state, `${i.used}/${i.uses}`, isoTime(i.createdAt), isoTime(i.expiresAt), Object.entries(i.attrs).map(([k, v]) => `${k}=${text(v)}`).join(',')])
  for (const line of table(rows)) io.out(line)
  return 0
}

export async function leaderUninvite (argv: string[], io: Io): Promise<number> {
  const { values, positionals } = parseFlags(argv, TARGET_FLAGS, 1)
  const id = positionals[0]
  if (id == null || id === '') throw new UsageError('realmesh leader uninvite ID: say which invitation (see realmesh leader invitations)')
  const api = await resolveTarget({ api: values.api, dir: values.dir, apiToken: values['api-token'], env: io.env })
  const summary = await callApi(api, '/invitations/cancel', { method: 'POST', body: { id } }) as InvitationSummary
  if (values.json === true) io.out(JSON.stringify(summary, null, 2))
  else io.out(`cancelled invitation ${summary.id} (used ${summary.used} of ${summary.uses}): it is refused INVITATION_CANCELLED from now on`)
  return 0
}
