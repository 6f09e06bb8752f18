import t from 'tap'
import { createSlotSet } from '../src/connections/slot-set.js'

t.test('a slot set holds its members with their values past its first slots, and gives slots back', async (t) => {
  const set = createSlotSet<{ id: number }, string>()
  const members = Array.from({ length: 200 }, (_, id) => ({ id }))
  for (const member of members) set.add(member, `value ${member.id}`)
  t.equal(set.size, 200, 'every member counted, past the first 64 slots')
  const seen: string[] = []
  set.forEach((member, value) => { seen.push(`${member.id}:${value}`) })
  t.same(seen, members.map((m) => `${m.id}:value ${m.id}`), 'each member with its own value, in order')

  t.ok(set.delete(members[10] as { id: number }))
  t.notOk(set.delete(members[10] as { id: number }), 'a second delete finds nothing')
  t.notOk(set.has(members[10] as { id: number }))
  const late = { id: 1000 }
  t.ok(set.add(late, 'late'), 'a new member is added')
  t.equal(set.size, 200)
  const order: number[] = []
  set.forEach((member) => { order.push(member.id) })
  t.equal(order[10], 1000, 'the new member takes the slot the deleted one left')

  t.notOk(set.add(late, 'changed'), 'adding a member that is here already says so')
  t.equal(set.size, 200, 'adding a member again only changes its value')
  let value = ''
  set.forEach((member, v) => { if (member === late) value = v })
  t.equal(value, 'changed')

  set.forEach((member) => { set.delete(member) })
  t.equal(set.size, 0, 'forEach may delete the member it is given')
  t.notOk(set.has(late))
})

t.test('an object is in one slot set at a time', async (t) => {
  const a = createSlotSet<object, number>()
  const b = createSlotSet<object, number>()
  const shared = {}
  a.add(shared, 1)
  t.throws(() => { b.add(shared, 2) }, /already in another slot set/, 'a second set refuses it')
  t.notOk(b.has(shared), 'and does not hold it')
  t.ok(a.has(shared), 'the first still does')
  t.ok(a.delete(shared))
  b.add(shared, 2)
  t.ok(b.has(shared), 'once out of the first, the second may take it')
})
