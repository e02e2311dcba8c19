// The dashboard page: trades the one-time login token in the URL's fragment for a session cookie,
// then follows the daemon's picture over server-sent events and renders each one. The buttons
// (approve / deny a pending request) POST with the session cookie and the CSRF header.
import { render } from './render.js'
import { shortId } from './format.js'

/** every POST carries it: the API refuses a cookie-authorized POST without it (CSRF) */
const CSRF = { 'x-realmesh-csrf': '1' }

const $ = (id) => document.getElementById(id)

/** why the login in the URL was refused, if it was: said again when the stream finds no session */
let loginRefused

function problem (text) {
  const el = $('problem')
  el.textContent = text
  el.hidden = text === ''
}

function connection (text, state) {
  const el = $('connection')
  el.textContent = text
  el.className = `connection ${state}`
}

/** #login=TOKEN: trade it for the session cookie, once, and take it out of the address bar and history */
async function login () {
  const match = /^#login=([A-Za-z0-9_-]{1,64})$/.exec(location.hash)
  if (match == null) return
  history.replaceState(null, '', location.pathname)
  const res = await fetch('/dashboard/session', { method: 'POST', headers: { ...CSRF, 'x-realmesh-login': match[1] }, credentials: 'same-origin' })
  if (!res.ok) {
    const body = await res.json().catch(() => ({}))
    loginRefused = `login refused: ${body.code ?? res.status} (${body.message ?? ''})`
    problem(loginRefused)
  }
}

function follow () {
  const events = new EventSource('/dashboard/events')
  events.addEventListener('open', () => { connection('live', 'live') })
  events.addEventListener('message', (evt) => {
    problem('')
    render(JSON.parse(evt.data))
  })
  events.addEventListener('error', async () => {
    connection('reconnecting…', 'lost')
    if (events.readyState !== EventSource.CLOSED) return
    // the browser gives up on an answer that is not an event stream: say why
    const res = await fetch('/dashboard/state', { credentials: 'same-origin' }).catch(() => undefined)
    if (res?.status === 401) {
      connection('not logged in', 'lost')
      problem(`${loginRefused ?? 'Not logged in (or the session ended)'}: run \`realmesh dashboard\` for a new login link.`)
      return
    }
    setTimeout(follow, 2_000)
  })
}

/** approve / deny buttons in the pending table */
document.addEventListener('click', async (evt) => {
  const button = evt.target instanceof Element ? evt.target.closest('button[data-action]') : null
  if (button == null) return
  const { action, id, peer } = button.dataset
  for (const b of document.querySelectorAll(`button[data-id="${CSS.escape(id)}"]`)) b.disabled = true
  const res = await fetch(`/pending/${encodeURIComponent(id)}/${action}`, { method: 'POST', headers: CSRF, credentials: 'same-origin' })
  const body = await res.json().catch(() => ({}))
  $('action-result').textContent = res.ok
    ? `${action === 'approve' ? 'approved' : 'denied'} ${id} (${shortId(peer)})`
    : `${action} ${id} failed: ${body.code ?? res.status} (${body.message ?? ''})`
})

await login()
follow()
