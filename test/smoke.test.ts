import t from 'tap'
import { errors } from '../src/errors.js'

t.test('errors carry codes', async (t) => {
  const err = new errors.GK_ERR_BAD_MODE('x')
  t.equal(err.statusCode, 400)
  t.equal(err.code, 'GK_ERR_BAD_MODE')
})
