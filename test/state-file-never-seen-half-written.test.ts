import { existsSync } from 'node:fs'
import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Worker } from 'node:worker_threads'
import t from 'tap'
import { createFileStore } from '../src/store/file-store.js'
import { readStateFile } from '../src/store/read-state-file.js'
import { initialState } from '../src/state/initial.js'
import type { State } from '../src/state/types.js'

/*
 * The file store replaces its state file by temp file + fsync + rename, so
 * anyone reading the file (a restarting gatekeeper, a backup, `cat`) sees
 * the old document or the new one, never an empty or half-written one. A
 * reader on its own thread reads the file as fast as it can while the store
 * writes 300 changes; one read that is not a whole state fails the test.
 *
 * The file lives on tmpfs where there is one: what is checked is what a
 * reader sees between writes, which rename decides on any file system;
 * fsync there costs nothing, so the test does not wait on a busy disk.
 */

const UPDATES = 300
/** A safety stop for the reader, far above what the updates take on a loaded machine. */
const READER_LIMIT_MS = 300_000

interface ReaderReport {
  reads: number
  bad: number
  firstBad: string
  versions: number[]
}

// plain JavaScript, so the thread needs no TypeScript loader
const READER = `
const { readFileSync } = require('node:fs')
const { parentPort, workerData } = require('node:worker_threads')
const stop = new Int32Array(workerData.stop)
const started = Date.now()
let reads = 0
let bad = 0
let firstBad = ''
const versions = new Set()
while (Atomics.load(stop, 0) === 0 && Date.now() - started < workerData.limitMs) {
  let text = ''
  try {
    text = readFileSync(workerData.path, 'utf8')
    const state = JSON.parse(text)
    if (typeof state.version !== 'number' || typeof state.mode !== 'string') throw new Error('not a state document')
    versions.add(state.version)
  } catch (err) {
    bad++
    if (firstBad === '') firstBad = err.message + ' (' + text.length + ' characters read)'
  }
  reads++
  if (reads === 1) parentPort.postMessage({ ready: true })
}
parentPort.postMessage({ reads, bad, firstBad, versions: [...versions] })
`

/** A state large enough that writing it is not one instant: a long allowlist. */
function largeState (): State {
  const state = initialState('closed', 'Upgrading')
  for (let i = 0; i < 1000; i++) {
    state.allowlist.push({ cidr: `10.${(i >> 8) & 255}.${i & 255}.0/24`, label: `office ${i}`, addedBy: 'ops', addedAt: state.updatedAt })
  }
  return state
}

t.test(`a reader polling the state file during ${UPDATES} changes never finds it unreadable`, async (t) => {
  const dir = await mkdtemp(join(existsSync('/dev/shm') ? '/dev/shm' : tmpdir(), 'gatekeeper-state-file-'))
  t.teardown(() => rm(dir, { recursive: true, force: true }))
  const path = join(dir, 'state.json')
  const store = createFileStore({ path })
  t.teardown(() => store.close())
  await store.init(largeState())

  const stop = new SharedArrayBuffer(4)
  const reader = new Worker(READER, { eval: true, workerData: { path, stop, limitMs: READER_LIMIT_MS } })
  t.teardown(async () => {
    Atomics.store(new Int32Array(stop), 0, 1)
    await reader.terminate()
  })
  const report = new Promise<ReaderReport>((resolve, reject) => {
    reader.on('message', (message: ReaderReport | { ready: true }) => { if (!('ready' in message)) resolve(message) })
    reader.once('error', reject)
    reader.once('exit', (code) => reject(new Error(`the reader stopped early (exit ${code})`)))
  })
  await new Promise<void>((resolve, reject) => {
    reader.once('message', () => resolve())
    reader.once('error', reject)
  })

  for (let i = 1; i <= UPDATES; i++) {
    await store.update({ actor: 'ops', ip: '127.0.0.1', action: 'mode.stage' }, (current) => ({
      ...current,
      mode: i % 3 === 0 ? 'closed' : 'staged',
      percent: i % 3 === 0 ? 0 : (i % 100) + 0.5,
      reason: `change ${i}`
    }))
  }
  Atomics.store(new Int32Array(stop), 0, 1)
  const { reads, bad, firstBad, versions } = await report

  t.equal(bad, 0, `no read of ${reads} found the file unreadable${bad === 0 ? '' : `; the first: ${firstBad}`}`)
  t.ok(versions.length > 1, `the reader saw the file change while it read (${versions.length} versions in ${reads} reads)`)
  t.ok(versions.every((version) => version >= 0 && version <= UPDATES), 'every version it saw was one the store wrote')
  const final = await readStateFile(path, '')
  t.equal(final?.version, UPDATES, 'the file ends on the last change')
  t.equal(final?.reason, `change ${UPDATES}`)
})
