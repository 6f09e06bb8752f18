import t from 'tap'
import { startCluster, until } from './helpers/cluster.js'

interface StateBody { version: number, mode: string, reason: string }
interface AuditBody { version: number, action: string }

t.test('two changes with the same If-Match on two instances: exactly one wins, the other gets 412', async (t) => {
  const cluster = await startCluster(t)
  const [a, b, c] = cluster.members
  if (a === undefined || b === undefined || c === undefined) throw new Error('three members')

  for (let round = 1; round <= 5; round++) {
    const state = await a.admin('GET', '/v1/state')
    const version = (await state.json() as StateBody).version
    t.equal(state.headers.get('etag'), `"${version}"`)
    const ifMatch = { 'if-match': `"${version}"` }
    const answers = await Promise.all([
      a.admin('POST', '/v1/close', { reason: `A, round ${round}` }, ifMatch),
      b.admin('POST', '/v1/read-only', { reason: `B, round ${round}` }, ifMatch)
    ])
    t.same(answers.map((res) => res.status).sort(), [200, 412], `round ${round}: one change wins, one is refused`)
    const [winner, loser] = answers[0]?.status === 200 ? [answers[0], answers[1]] : [answers[1], answers[0]]
    const won = await winner?.json() as StateBody
    t.equal(won.version, version + 1, 'the winner wrote the next version')
    t.match(await loser?.json(), { statusCode: 412, code: 'GK_ERR_VERSION_MISMATCH', message: new RegExp(`the state is at version ${version + 1}, not ${version}`) })

    await until(`every instance applied version ${won.version}`, () => cluster.members.every((m) => m.gk.runtime.current().version === won.version))
    for (const m of [a, b, c]) {
      const applied = m.gk.runtime.current().state
      t.same([applied.mode, applied.reason], [won.mode, won.reason], `${m.name} serves the winner's change`)
    }
    const audit = await (await c.admin('GET', '/v1/audit?limit=20')).json() as AuditBody[]
    t.equal(audit.filter((entry) => entry.version === won.version).length, 1, 'one audit entry for the version: the loser left none')
  }
})
