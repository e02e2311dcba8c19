/**
 * The TCP ends of a tunnel scenario, run as an OS process in a testbed host (a daemon's control API
 * and a tunnel's local listener are on that host's own loopback, out of the test process's reach):
 *   node tcp-ends.js echo                    an echo service on 127.0.0.1; prints `echo <port>`
 *   node tcp-ends.js send PORT BYTES CONNS   CONNS clients to 127.0.0.1:PORT at once, each sending
 *                                            BYTES random bytes then FIN; a line per client
 *                                            `echoed <bytes back> <sha256 sent> <sha256 back> <fin|error>`,
 *                                            then `done <seconds>`
 */
import { client, sendAndEnd, startEcho } from '../tcp-echo.js'

const [mode = '', ...args] = process.argv.slice(2)
if (mode === 'echo') {
  const echo = await startEcho()
  console.log(`echo ${echo.port}`)
} else if (mode === 'send') {
  const [port, bytes, conns] = args.map(Number) as [number, number, number]
  const started = Date.now()
  await Promise.all(Array.from({ length: conns }, async () => {
    const c = client(port)
    const sent = await sendAndEnd(c.socket, bytes)
    const echoed = await c.ended
    console.log(`echoed ${echoed.bytes} ${sent} ${echoed.sha256} ${echoed.end}`)
  }))
  console.log(`done ${((Date.now() - started) / 1000).toFixed(2)}`)
} else {
  console.error('usage: tcp-ends.js echo | send PORT BYTES CONNS')
  process.exit(1)
}
