import t from 'tap'
import { cliFor } from './helpers/cli.js'
import { get, OPERATOR_TOKEN, publicUrl, startHarness, VIEWER_TOKEN } from './helpers/harness.js'

t.test('allow add, list and remove change the dynamic allowlist; a bad CIDR is refused by the API', async (t) => {
  const h = await startHarness(t, { allowlist: [{ cidr: '10.20.0.0/16', label: 'ops network' }] })
  const { run, outputs } = cliFor(t, h)
  await h.admin('POST', '/v1/close', { reason: 'Upgrade' })
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.2' })).status, 503, 'closed: 127.0.0.2 is held')

  const added = await run(['allow', 'add', '127.0.0.2', '--label', 'DBA laptop', '--expires', '6h'])
  t.equal(added.code, 0, added.stderr)
  t.match(added.stdout, /^allowed 127\.0\.0\.2\/32 \(DBA laptop\), until \S+ \(in (5h 59m|6h)\); state version 2$/m)
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.2' })).status, 200, 'the entry admits at once')

  const list = await run(['allow', 'list'])
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /^CIDR\s+LABEL\s+SOURCE\s+EXPIRES\s+ADDED BY$/m)
  t.match(list.stdout, /^10\.20\.0\.0\/16\s+ops network\s+config\s*$/m)
  t.match(list.stdout, /^127\.0\.0\.2\/32\s+DBA laptop\s+dynamic\s+\S+ \(in .*\)\s+ops$/m)
  const listed = JSON.parse((await run(['allow', 'list', '--json'])).stdout) as { static: Array<{ cidr: string }>, dynamic: Array<{ cidr: string, label: string }> }
  t.same(listed.dynamic.map((entry) => [entry.cidr, entry.label]), [['127.0.0.2/32', 'DBA laptop']])
  t.same(listed.static.map((entry) => entry.cidr), ['10.20.0.0/16'])

  const bad = await run(['allow', 'add', '300.1.2.3/8'])
  t.equal(bad.code, 1, 'a bad CIDR: exit 1')
  t.match(bad.stderr, /\(400 GK_ERR_BAD_CIDR\): invalid CIDR 300\.1\.2\.3\/8/, 'the message of the API is shown')
  const badJson = await run(['allow', 'add', '300.1.2.3/8', '--json'])
  t.equal((JSON.parse(badJson.stdout) as { code: string }).code, 'GK_ERR_BAD_CIDR', '--json: the error of the API as JSON')
  const twice = await run(['allow', 'add', '127.0.0.2/32'])
  t.equal(twice.code, 1)
  t.match(twice.stderr, /409 GK_ERR_CONFLICT.*already in the allowlist/)
  const missing = await run(['allow', 'add'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /missing CIDR/)
  const noSuch = await run(['allow', 'frob'])
  t.equal(noSuch.code, 2)
  t.match(noSuch.stderr, /unknown command "frob"; expected one of add, list, remove/)

  const removed = await run(['allow', 'remove', '127.0.0.2/32'])
  t.equal(removed.code, 0, removed.stderr)
  t.match(removed.stdout, /^removed 127\.0\.0\.2\/32 from the allowlist; state version 3$/m)
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.2' })).status, 503, 'removed: held again')
  const gone = await run(['allow', 'remove', '127.0.0.2/32'])
  t.equal(gone.code, 1)
  t.match(gone.stderr, /404 GK_ERR_NOT_FOUND.*no dynamic allowlist entry/)

  const viewer = await run(['allow', 'add', '127.0.0.9'], { GATEKEEPER_TOKEN: VIEWER_TOKEN })
  t.equal(viewer.code, 5, 'a viewer cannot add')
  for (const text of outputs) t.notOk(text.includes(OPERATOR_TOKEN), 'the admin token is never printed')
})

t.test('token create prints the secret once with a warning and a link that works; list and revoke', async (t) => {
  const h = await startHarness(t)
  const { run, outputs } = cliFor(t, h)
  await h.admin('POST', '/v1/close')

  const created = await run(['token', 'create', 'ana', '--ttl', '8h', '--public-url', h.gk.publicUrl])
  t.equal(created.code, 0, created.stderr)
  t.match(created.stderr, /shown this once/, 'a warning that the secret is shown once')
  const secret = /^token:\s+(\S+)$/m.exec(created.stdout)?.[1] as string
  t.ok(secret !== undefined && secret.length >= 20, 'the secret is printed')
  const link = /^link:\s+(\S+)$/m.exec(created.stdout)?.[1] as string
  t.equal(link, `${h.gk.publicUrl}/__gatekeeper/bypass/${secret}`, 'the whole bypass link')
  t.match(created.stdout, new RegExp(`^header:\\s+x-gatekeeper-bypass: ${secret}$`, 'm'))
  const through = await get(publicUrl(h, '/echo'), { from: '127.0.0.3', headers: { 'x-gatekeeper-bypass': secret } })
  t.equal(through.status, 200, 'the printed secret lets its holder through the closed gate')
  const visit = await get(link, { from: '127.0.0.3' })
  t.equal(visit.status, 303, 'the printed link is the bypass link')
  t.match(String(visit.headers['set-cookie']), `=${secret}`, 'it sets the bypass cookie')

  const json = await run(['token', 'create', 'bo', '--ttl', '90m', '--json'])
  t.equal(json.code, 0, json.stderr)
  const body = JSON.parse(json.stdout) as { name: string, token: string, link: string }
  t.equal(body.name, 'bo')
  t.equal(body.link, `/__gatekeeper/bypass/${body.token}`, 'without --public-url, the link path')

  const list = await run(['token', 'list'])
  t.equal(list.code, 0, list.stderr)
  t.match(list.stdout, /^ana\s+\S+ \(in (7h 59m|8h)\)\s+ops\s+/m)
  t.match(list.stdout, /^bo\s+/m)
  t.notOk(list.stdout.includes(secret) || list.stdout.includes(body.token), 'the list never shows a secret')

  const revoked = await run(['token', 'revoke', 'ana'])
  t.equal(revoked.code, 0, revoked.stderr)
  t.match(revoked.stdout, /revoked the bypass token "ana"/)
  t.equal((await get(publicUrl(h, '/echo'), { from: '127.0.0.3', headers: { 'x-gatekeeper-bypass': secret } })).status, 503, 'revoked: held')
  const again = await run(['token', 'revoke', 'ana'])
  t.equal(again.code, 1)
  t.match(again.stderr, /404 GK_ERR_NOT_FOUND.*no token named "ana"/)

  const cases: Array<[string[], RegExp]> = [
    [['token', 'create', 'cy'], /--ttl is required/],
    [['token', 'create', 'cy', '--ttl', 'forever'], /--ttl must be a duration.*"forever"/],
    [['token', 'create', 'cy', '--ttl', '10s'], /--ttl must be whole seconds from 60 to 2592000/],
    [['token', 'create', 'cy', '--ttl', '1h', '--public-url', 'lms.example.edu'], /--public-url must be a URL/]
  ]
  const runs = await Promise.all(cases.map(([args]) => run(args)))
  cases.forEach(([args, message], i) => {
    t.equal(runs[i]?.code, 2, `${args.join(' ')}: exit 2`)
    t.match(runs[i]?.stderr, message)
  })
  const badName = await run(['token', 'create', '-bad-', '--ttl', '1h'])
  t.equal(badName.code, 2, 'a name that looks like an option is a usage error')
  const apiName = await run(['token', 'create', 'no spaces', '--ttl', '1h'])
  t.equal(apiName.code, 1, 'a name the API refuses: exit 1')
  t.match(apiName.stderr, /body\.name: must be 1 to 64 letters/)
  for (const text of outputs) t.notOk(text.includes(OPERATOR_TOKEN), 'the admin token is never printed')
})

t.test('audit lists the changes newest first; instances lists the live instances', async (t) => {
  const h = await startHarness(t)
  const { run } = cliFor(t, h)
  t.equal((await run(['close', '--reason', 'Upgrade'])).code, 0)
  t.equal((await run(['stage', '5'])).code, 0)
  t.equal((await run(['open'])).code, 0)

  const audit = await run(['audit', '--limit', '2'])
  t.equal(audit.code, 0, audit.stderr)
  const lines = audit.stdout.trimEnd().split('\n')
  t.match(lines[0], /^VERSION\s+AT\s+ACTOR\s+IP\s+ACTION\s+CHANGE$/)
  t.equal(lines.length, 3, '--limit 2: two entries')
  t.match(lines[1], /^3\s+\S+\s+ops\s+127\.0\.0\.1\s+open\s+mode: staged → open, percent: 5 → 100/)
  t.match(lines[2], /^2\s+\S+\s+ops\s+127\.0\.0\.1\s+stage\s+mode: closed → staged, percent: 0 → 5/)
  const json = JSON.parse((await run(['audit', '--json'])).stdout) as Array<{ version: number, action: string }>
  t.same(json.slice(0, 3).map((entry) => entry.action), ['open', 'stage', 'close'], 'newest first')
  const bad = await run(['audit', '--limit', '0'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /--limit must be a whole number from 1 to 1000, got "0"/)

  const instances = await run(['instances'])
  t.equal(instances.code, 0, instances.stderr)
  t.match(instances.stdout, /^ID\s+HOST\s+PID\s+VERSION\s+IN FLIGHT\s+WEBSOCKETS\s+STARTED\s+SEEN$/m)
  t.match(instances.stdout, /\s3\s+0\s+0\s+/, 'this instance, at version 3, with nothing in flight')
  const listed = JSON.parse((await run(['instances', '--json'])).stdout) as unknown
  const list = (Array.isArray(listed) ? listed : (listed as { instances: unknown[] }).instances) as Array<{ version: number }>
  t.same(list.map((instance) => instance.version), [3])
})
