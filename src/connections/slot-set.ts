/** Where an item sits in the slot set that holds it, written on the item itself. */
const SLOT = Symbol('gatekeeper slot')

type Slotted = object & { [SLOT]?: number }

/**
 * A set of objects that come and go often (the requests in flight, the
 * connections not yet heard from), each with a value. The members are kept
 * in slots of two arrays that only grow, the free slots' numbers on a stack,
 * and each member's slot number on the member: adding and deleting write a
 * slot and allocate nothing. A `Map` would do the same work, but a V8 Map
 * rebuilds its table as entries come and go, and a table it has left still
 * points to the entries it held: once such a table is in the old
 * generation, the finished requests it points to outlive the young
 * generation's collections (three times the mark-compacts, twice the p99:
 * bench/RESULTS.md). An object is in one slot set at a time.
 */
export interface SlotSet<T extends object, V> {
  /** Adds `item` with `value` (true), or gives it the new value when it is already here (false). */
  add (item: T, value: V): boolean
  /** Removes `item`; false when it was not here. */
  delete (item: T): boolean
  has (item: T): boolean
  readonly size: number
  /** Every member with its value, in slot order; `fn` may delete the member it is given. */
  forEach (fn: (item: T, value: V) => void): void
}

const FIRST_SLOTS = 64

export function createSlotSet<T extends object, V> (): SlotSet<T, V> {
  let items: Array<T | undefined> = []
  let values: Array<V | undefined> = []
  const free: number[] = []
  let size = 0

  function slotOf (item: T): number | undefined {
    const slot = (item as Slotted)[SLOT]
    return slot !== undefined && items[slot] === item ? slot : undefined
  }

  function freeSlot (): number {
    const slot = free.pop()
    if (slot !== undefined) return slot
    const first = items.length
    const grown = Math.max(FIRST_SLOTS, first * 2)
    const [oldItems, oldValues] = [items, values]
    items = oldItems.concat(new Array<undefined>(grown - first).fill(undefined))
    values = oldValues.concat(new Array<undefined>(grown - first).fill(undefined))
    // the arrays left behind point to nothing, so none of them keeps a member alive once it is gone
    oldItems.fill(undefined)
    oldValues.fill(undefined)
    for (let i = grown - 1; i > first; i--) free.push(i)
    return first
  }

  return {
    add (item, value) {
      const here = slotOf(item)
      if (here !== undefined) {
        values[here] = value
        return false
      }
      if ((item as Slotted)[SLOT] !== undefined) throw new Error('the object is already in another slot set')
      const slot = freeSlot()
      items[slot] = item
      values[slot] = value
      ;(item as Slotted)[SLOT] = slot
      size++
      return true
    },
    delete (item) {
      const slot = slotOf(item)
      if (slot === undefined) return false
      items[slot] = undefined
      values[slot] = undefined
      ;(item as Slotted)[SLOT] = undefined
      free.push(slot)
      size--
      return true
    },
    has: (item) => slotOf(item) !== undefined,
    get size () {
      return size
    },
    forEach (fn) {
      for (let i = 0; i < items.length; i++) {
        const item = items[i]
        if (item !== undefined) fn(item, values[i] as V)
      }
    }
  }
}
