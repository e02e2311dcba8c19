/** The help text: `realmesh`, `realmesh --help` print all of it; `realmesh VERB --help` its part. */

const TARGET = '[--api HOST:PORT [--api-token T] | --dir DIR]'
/** both daemons' metrics and log flags */
const DAEMON_USAGE = '[--metrics HOST:PORT | --no-metrics] [--log-format text|json] [--log-level error|warn|info|debug]'

export const VERB_USAGE: Record<string, string[]> = {
  'leader init': [
    'realmesh leader init --name NAME --dir DIR [--policy auto|manual|deny] [--join-secret S]',
    '                     [--listen MULTIADDR]... [--broadcast] [--force]',
    '    create a realm: the leader key (DIR/leader.key, 0600), DIR/realm.json and DIR/leader.yaml',
    '    (--policy auto without --join-secret: a random 43-character secret is generated into leader.yaml)',
    '    (--broadcast: members run realm-wide broadcast, policy.broadcast in realm.json; off by default)'
  ],
  'leader start': [
    'realmesh leader start --dir DIR [--listen MULTIADDR]... [--api HOST:PORT] [--node-config node.yaml]',
    `                      ${DAEMON_USAGE}`,
    '    run the leader daemon: answers token requests per its policy, serves the control API',
    '    (--node-config: a node config\'s connections, dht, handshake, join, keepalive and abuse sections, for the leader\'s own node)'
  ],
  'leader pending': [
    `realmesh leader pending ${TARGET} [--json]`,
    '    list the requests waiting for the operator'
  ],
  'leader approve': [
    `realmesh leader approve ID ${TARGET}`,
    '    approve a pending request (the node gets its token / its join)'
  ],
  'leader deny': [
    `realmesh leader deny ID|--all|--older-than DURATION [--reason R] ${TARGET} [--json]`,
    '    deny a pending request; --all: every waiting request; --older-than 1h: those waiting that long or longer'
  ],
  'leader revoke': [
    `realmesh leader revoke PEER_ID|JTI [--reason R] ${TARGET} [--json]`,
    '    revoke every token of a peer (it gets none again), or one token and its renewals; every member',
    '    drops it and refuses it from then on. Without a running leader on --dir, signs with the key there',
    '    (the leader spreads it when it starts)'
  ],
  'leader revocations': [
    `realmesh leader revocations ${TARGET} [--json]`,
    '    the revocations in force (seq, what, since, until, reason) and the peers refused tokens for good'
  ],
  'leader replace': [
    `realmesh leader replace OLD_PEER NEW_PEER (--out DIR | --json) [--reason R] ${TARGET}`,
    '    move a node\'s grant and identity to a replacement: OLD_PEER is revoked (reason "replaced by NEW_PEER"),',
    '    NEW_PEER gets a node token with the old one\'s attributes and grant end, and, when OLD_PEER used an',
    '    identity, a new identity token for it bound to NEW_PEER (--out: DIR/node.token, DIR/identity.token, 0600)'
  ],
  'leader invite': [
    `realmesh leader invite [--ttl 1h] [--uses 1] [--attr KEY=VALUE]... [--png FILE] ${TARGET} [--json]`,
    '    an invitation for --uses nodes (1) until --ttl from now (1h, at most 30d), whose node tokens carry the',
    '    --attr attributes: prints its URI (realmesh://invite?...) and the same as a QR code; --png: the QR code',
    '    as an image too (0600); --json: the JSON form instead (id, realm, leader, bootstrap, expiresAt, secret, token).',
    '    The node joins with realmesh node start --invitation URI, whatever the leader\'s policy'
  ],
  'leader invitations': [
    `realmesh leader invitations ${TARGET} [--json]`,
    '    the invitations (open, used, expired or cancelled; ended ones for a day): id, state, uses, expiry'
  ],
  'leader uninvite': [
    `realmesh leader uninvite ID ${TARGET} [--json]`,
    '    cancel an invitation: it is refused INVITATION_CANCELLED from then on (nodes that joined with it stay)'
  ],
  'identity init': [
    'realmesh identity init --dir IDENTITY_DIR [--force]',
    '    create an identity key (IDENTITY_DIR/identity.key, 0600); prints only its peer id'
  ],
  'token issue': [
    'realmesh token issue --dir LEADER_DIR --peer PEER_ID [--ttl 24h] [--attr KEY=VALUE]... [--out FILE]',
    '                      [--renewable [--max-lifetime 30d]]',
    'realmesh token issue --dir LEADER_DIR --identity IDENTITY_PEER_ID --node NODE_PEER_ID [--ttl 24h]',
    '                      [--attr KEY=VALUE]... [--out FILE]',
    '    issue a node token (--peer) or an identity token bound to a node (--identity, --node) offline;',
    '    prints only the token (durations: 90s, 15m, 24h, 7d, or seconds)',
    '    (not renewable unless --renewable: the node renews it up to --max-lifetime after now,',
    '     by default leader.yaml\'s policy.maxLifetimeSeconds; then it needs a new one; identity tokens are not renewed)',
    '    (--out: write it to FILE, mode 0600, atomically; `> FILE` leaves the mode to the shell\'s umask)'
  ],
  'node init': [
    'realmesh node init --dir DIR [--force]',
    '    create a node key (DIR/node.key, 0600); prints only the peer id'
  ],
  'node start': [
    'realmesh node start --dir DIR [--realm REALM_JSON] [--token FILE | --join-secret S | --invitation URI]',
    '                    [--identity IDENTITY_DIR] [--identity-token FILE]',
    '                    [--bootstrap MULTIADDR]... [--listen MULTIADDR]... [--api HOST:PORT] [--config node.yaml]',
    '                    [--sleep-schedule AWAKE/PERIOD [--wake-on-data]] [--mdns]',
    `                    ${DAEMON_USAGE}`,
    '    run a node daemon; --realm is needed on the first start only (it is copied to DIR/realm.json)',
    '    (--mdns: find members on the local network by mDNS and join through them when no bootstrap',
    '     address answers; node.yaml discovery.mdns; off by default, since it announces the node there)',
    '    (metrics: GET /metrics on the control API; --metrics HOST:PORT also serves them there without the',
    '     token; --no-metrics turns them off. --log-format json: one JSON object a line)',
    '    (--sleep-schedule 20s/60s: awake 20 s of every minute, asleep with every connection closed;',
    '     members keep it and hold its messages until it wakes)',
    '    (--identity, --identity-token: the node joins and signs its subjects as that identity; both are',
    '     copied to DIR/identity.key and DIR/identity.token, so later starts need neither)',
    '    (--invitation URI: from realmesh leader invite; its realm and bootstrap addresses are used, and the',
    '     leader issues the token while the invitation is open: refused INVITATION_USED, INVITATION_EXPIRED,',
    '     INVITATION_CANCELLED or INVITATION_UNKNOWN otherwise, exit 2; a node with a token in DIR does not use it)',
    '    without a token or join secret the node asks the leader and waits for the operator\'s approval'
  ],
  status: [
    `realmesh status ${TARGET} [--json]`,
    '    a daemon\'s version, peer id, realm, whether it joined, members, routing table size, listen addresses'
  ],
  members: [
    `realmesh members ${TARGET} [--json]`,
    '    the daemon\'s members: peer, address, since, last seen, keepalive latency, token expiry'
  ],
  realm: [
    `realmesh realm ${TARGET} [--json]`,
    '    the whole realm seen from the daemon: its members\' signed status summaries (up to 64, cached 10 s):',
    '    peer, members, routing table, subjects, coordinating, delivered, reachability, uptime, age; then who did not answer'
  ],
  subscribe: [
    `realmesh subscribe SUBJECT ${TARGET} [--json] [--ack destination|app] [--role receiver|both] [--audience WHO]...`,
    '      [--filter NAME=VALUE]... [--intent-attr NAME=VALUE]... [--max-parallel N] [--threshold N] [--interest-ttl DUR] [--refresh DUR] [--max-message-bytes N]',
    '    receive the messages on SUBJECT through the daemon, one line each on stdout, until SIGINT/SIGTERM',
    '    (--json: the message as JSON; --ack app: acked once the line reached this command;',
    '    --audience: who may be matched, PEER_ID[,PEER_ID...] | attr:NAME=VALUE | public (default);',
    '    the subject properties (defaults 1000, 300s, a third of the TTL, 1048576) are set by its first use)',
    `realmesh subscribe SUBJECT --durable NAME ${TARGET} [--json] [--from-start] [--ack app] [--role receiver|both] [--audience WHO]...`,
    '    attach to (or create) the durable subscription NAME the node daemon keeps and stores messages for:',
    '    what it stored and this consumer has not had, in order, then live messages (--from-start: all it keeps;',
    '    --ack app: consumed only once the line is on stdout and acked; SIGINT detaches, the subscription goes on)'
  ],
  subscriptions: [
    `realmesh subscriptions ${TARGET} [--json]`,
    '    the node daemon\'s durable subscriptions: subject, stored count, bytes, oldest, drops by cause, consumer'
  ],
  unsubscribe: [
    `realmesh unsubscribe NAME ${TARGET} [--json]`,
    '    end the durable subscription NAME and delete what it stored'
  ],
  publish: [
    `realmesh publish SUBJECT DATA|- ${TARGET} [--ack | --ack-mode destination|app] [--ttl 30s] [--reply-subject S] [--audience WHO]... [--id HEX] [--to PEER_ID] [--json]`,
    '      [--attr NAME=VALUE]... [--intent-attr NAME=VALUE]... [--max-parallel N] [--retries N] [--cache-size N] [--cache-policy fifo|lifo] [--cache-when-full reject|purge]',
    '      [--threshold N] [--interest-ttl DUR] [--refresh DUR] [--max-message-bytes N]',
    '    publish one message (- reads stdin); with --ack wait for every receiver\'s result (exit 1 unless all delivered);',
    '    the daemon keeps an acked message until it is settled, across restarts (accepted ID on stderr once kept);',
    '    --id: the message id (32 hex digits): run again with the same id after a failure, it is delivered once;',
    '    --audience as for subscribe: only those receivers are matched, and each message is sealed for its receiver;',
    '    defaults: --retries 10, --cache-size 100, fifo, purge (the cache and interest properties: set by the first publish)'
  ],
  send: [
    `realmesh send PEER_ID DATA|- ${TARGET} [--json]`,
    '    a direct request to a member; prints its answer (a daemon answers with the data it got)'
  ],
  subjects: [
    `realmesh subjects ${TARGET} [--json]`,
    '    the daemon\'s subjects: role, coordinators, matched counterparts (--json: and each one\'s properties)'
  ],
  accounting: [
    'realmesh accounting --dir DIR [--since DUR|TIME] [--json]',
    '    what the daemon of DIR (node or leader) wrote to its accounting log: one line per exchange (direction,',
    '    subject, counterpart, bytes) and leader subject decisions; --since 10m or an ISO time'
  ],
  dashboard: [
    `realmesh dashboard ${TARGET} [--no-open] [--json]`,
    '    print the URL of the daemon\'s web dashboard with a one-time login in it (good for one browser, once, within',
    '    10 min: it becomes a session cookie for 12 h); opened with xdg-open where DISPLAY or WAYLAND_DISPLAY is set',
    '    unless --no-open. The page: members on the key space, k-buckets, subjects, rates, bans; on the leader the',
    '    pending requests (approve / deny) and the revocations, live'
  ],
  top: [
    `realmesh top ${TARGET} [--json]`,
    '    the dashboard\'s figures in the terminal, redrawn every 2 s until q or Ctrl-C; one frame and exit when',
    '    stdout or stdin is not a terminal (--json: that frame as the JSON of GET /dashboard/state)'
  ],
  expose: [
    `realmesh expose NAME HOST:PORT [--allow ATTR=VALUE]... [--allow-peer PEER]... ${TARGET} [--json]`,
    '    the node daemon exposes the TCP service at HOST:PORT to members as NAME (again: its definition is replaced);',
    '    open to every member without a rule, else to a member any rule admits: --allow a token attribute,',
    '    --allow-peer a node peer id or an identity id. Others are refused TUNNEL_NOT_ALLOWED'
  ],
  unexpose: [
    `realmesh unexpose NAME ${TARGET} [--json]`,
    '    stop exposing NAME; its open tunnels are closed'
  ],
  services: [
    `realmesh services ${TARGET} [--json]`,
    '    what the node daemon exposes (target, who may open it, open tunnels), its open tunnels and forwards,',
    '    and what it can reach: the services members expose to it (it asks up to 64 members)'
  ],
  tunnel: [
    `realmesh tunnel PEER_OR_IDENTITY NAME [--listen 127.0.0.1:PORT] ${TARGET} [--json]`,
    '    like ssh -L: the node daemon listens on --listen (default 127.0.0.1:0, a free port) and carries each',
    '    connection to the service NAME of that member, until SIGINT/SIGTERM; refused at once with the member\'s',
    '    code (TUNNEL_NOT_ALLOWED, TUNNEL_UNKNOWN_SERVICE, ...); --json: every event as a JSON line on stdout'
  ],
  demo: [
    'realmesh demo [--nodes 5] [--transport tcp|memory] [--config local-realm.yaml]',
    '    run a leader and N nodes in this process on loopback, print who joined, stop'
  ],
  testnet: [
    'realmesh testnet --nodes N [--processes 1] [--lookups 100] [--quiet-ms 30000] [--idle-ms 10000] [--rest-ms 0] [--timeout-ms MS] [--profile] [--plain] [--json]',
    '    run a leader and N nodes over K worker processes on loopback, wait until no routing table changed for',
    '    the quiet window, then print settle time, table health, lookups against the true closest member (hops),',
    '    and heap, RSS and CPU per node (CPU over --idle-ms at rest, --rest-ms after the lookups; --profile: then where it goes, by function);',
    '    --plain: the same with plain libp2p + kad-dht nodes, the reference; progress on stderr; exit 1 if not settled'
  ]
}

const FOOTER = [
  '',
  'realmesh --version prints the version.',
  'Flags override the config file. Exit codes: 0 ok (and a clean stop on SIGINT/SIGTERM),',
  '1 usage, config or other error, 2 refused by the realm. REALMESH_DEBUG=1 prints stacks.'
]

export function usage (): string {
  return ['usage:', ...Object.values(VERB_USAGE).flatMap(lines => ['', ...lines.map(l => `  ${l}`)]), ...FOOTER].join('\n')
}

/** the usage of one verb (`node start`), or of every verb of a group (`node`) */
export function verbUsage (verb: string): string {
  const verbs = Object.keys(VERB_USAGE).filter(v => v === verb || v.startsWith(`${verb} `))
  if (verb === '' || verbs.length === 0) return usage()
  return ['usage:', ...verbs.flatMap(v => (VERB_USAGE[v] ?? []).map(l => `  ${l}`))].join('\n')
}
