import { readFileSync } from 'node:fs'

/**
 * Users and groups by name, from /etc/passwd and /etc/group. The rules carry
 * numeric ids because that is what `iptables-save` prints back, and the
 * comparison after an apply must not depend on name lookups.
 */
export function uidOf (name: string, file = '/etc/passwd'): number | null {
  return idOf(name, file)
}

export function gidOf (name: string, file = '/etc/group'): number | null {
  return idOf(name, file)
}

function idOf (name: string, file: string): number | null {
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const fields = line.split(':')
    if (fields[0] === name && fields.length >= 3) {
      const id = Number(fields[2])
      return Number.isInteger(id) && id >= 0 ? id : null
    }
  }
  return null
}
