import { parseCidr } from '../gate/cidr.js'
import { createIpSet, type IpSet } from '../gate/ip-set.js'
import { sha256Hex } from '../gate/token.js'
import type { State } from '../state/types.js'
import type { TesterNames } from './counter.js'

/** An address in no labelled entry: the configuration's allowlist, or an entry gone since. */
const UNLABELLED = 'allowlist'

/**
 * Names testers as the operator named them: a token by its name, an address
 * by the label of the allowlist entry that covers it. Called once a minute
 * for at most a few dozen testers; the labels' sets are built again only
 * when the state has changed.
 */
export function testerNamesOf (current: () => State): TesterNames {
  let version = -1
  let labelled: Array<{ label: string, set: IpSet }> = []

  function labels (): Array<{ label: string, set: IpSet }> {
    const state = current()
    if (state.version === version) return labelled
    version = state.version
    const sets = new Map<string, IpSet>()
    for (const entry of state.allowlist) {
      const label = entry.label === '' ? entry.cidr : entry.label
      let set = sets.get(label)
      if (set === undefined) {
        set = createIpSet()
        sets.set(label, set)
      }
      try {
        set.add(parseCidr(entry.cidr))
      } catch {}
    }
    labelled = [...sets.entries()].map(([label, set]) => ({ label, set }))
    return labelled
  }

  return {
    token (secret) {
      const hash = sha256Hex(secret)
      const token = current().tokens.find((t) => t.sha256 === hash)
      return token === undefined ? 'a bypass token' : `token ${token.name}`
    },
    address (ip) {
      for (const { label, set } of labels()) if (set.has(ip)) return label
      return UNLABELLED
    }
  }
}
