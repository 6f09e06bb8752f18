// What the kernel counts for a process tree: CPU time (utime + stime from
// /proc/<pid>/stat) and resident memory (VmRSS), summed over a process and
// its live descendants (a cluster's workers, nginx's worker).

import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim())

function readOr (path, fallback) {
  try {
    return readFileSync(path, 'utf8')
  } catch {
    // the process (or thread) ended between the listing and the read
    return fallback
  }
}

/** The process and every live descendant, by /proc/<pid>/task/<tid>/children. */
export function processTree (pid) {
  const found = [pid]
  for (let i = 0; i < found.length; i++) {
    let tasks = []
    try {
      tasks = readdirSync(`/proc/${found[i]}/task`)
    } catch {
      continue
    }
    for (const tid of tasks) {
      const children = readOr(`/proc/${found[i]}/task/${tid}/children`, '').trim()
      if (children === '') continue
      for (const child of children.split(' ')) found.push(Number(child))
    }
  }
  return found
}

/** utime and stime of one process, in seconds; zeros once it is gone. */
export function cpuTimesOf (pid) {
  const stat = readOr(`/proc/${pid}/stat`, '')
  if (stat === '') return { user: 0, system: 0 }
  // the command name may hold spaces and parentheses: the fields start after the last ')'
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return { user: Number(fields[11]) / TICKS_PER_SECOND, system: Number(fields[12]) / TICKS_PER_SECOND }
}

/** CPU times per pid, for a delta against a later reading. */
export function cpuReading (pids) {
  return new Map(pids.map((pid) => [pid, cpuTimesOf(pid)]))
}

/** User and system CPU seconds spent since `before` by the pids it holds (one that ended counts nothing more). */
export function cpuSince (before) {
  let user = 0
  let system = 0
  for (const [pid, was] of before) {
    const now = cpuTimesOf(pid)
    if (now.user === 0 && now.system === 0) continue
    user += Math.max(0, now.user - was.user)
    system += Math.max(0, now.system - was.system)
  }
  return { user, system, total: user + system }
}

/** Resident memory of the pids, in bytes. */
export function rssBytesOf (pids) {
  let total = 0
  for (const pid of pids) {
    const match = /^VmRSS:\s+(\d+) kB/m.exec(readOr(`/proc/${pid}/status`, ''))
    if (match !== null) total += Number(match[1]) * 1024
  }
  return total
}

/** Samples the largest RSS of the pids every `everyMs` until stopped. */
export function sampleRss (pids, everyMs = 200) {
  let peak = rssBytesOf(pids)
  const timer = setInterval(() => { peak = Math.max(peak, rssBytesOf(pids)) }, everyMs)
  return {
    stop () {
      clearInterval(timer)
      return Math.max(peak, rssBytesOf(pids))
    }
  }
}

/** Jiffies per core from /proc/stat: busy (anything but idle and iowait) and total. */
export function coreTimes () {
  const cores = []
  for (const line of readOr('/proc/stat', '').split('\n')) {
    const match = /^cpu(\d+) (.*)$/.exec(line)
    if (match === null) continue
    const [user, nice, system, idle, iowait, irq, softirq, steal] = match[2].trim().split(/\s+/).map(Number)
    const busy = user + nice + system + irq + softirq + steal
    cores[Number(match[1])] = { busy, total: busy + idle + iowait }
  }
  return cores
}

/** How busy each core was since `before` (0..1), whoever kept it busy: the bench's processes and everyone else's. */
export function coreBusySince (before) {
  return coreTimes().map((now, i) => {
    const was = before[i] ?? { busy: 0, total: 0 }
    const total = now.total - was.total
    return total > 0 ? (now.busy - was.busy) / total : 0
  })
}
