// The confirmation dialog: every change is stated in words before it is
// sent. The native <dialog> keeps focus inside while it is open and closes
// on Escape; focus goes back to the button that opened it.

import { CONFIRM_LABELS, DIALOG_TITLES, changeEffect } from './effects.js'

const dialog = document.getElementById('confirm')
const form = document.getElementById('confirm-form')
const title = document.getElementById('confirm-title')
const fieldsBox = document.getElementById('confirm-fields')
const effectBox = document.getElementById('confirm-effect')
const errorBox = document.getElementById('confirm-error')
const okButton = document.getElementById('confirm-ok')
const cancelButton = document.getElementById('confirm-cancel')

let current = null

function fieldElement (field) {
  const wrap = document.createElement('div')
  wrap.className = 'field'
  const id = `confirm-${field.name}`
  const label = document.createElement('label')
  label.htmlFor = id
  label.textContent = field.label
  // a field with `options` is a choice among fixed values
  const input = document.createElement(field.options === undefined ? 'input' : 'select')
  input.id = id
  input.name = field.name
  if (field.options === undefined) input.type = field.type ?? 'text'
  else {
    for (const option of field.options) {
      const choice = document.createElement('option')
      choice.value = option.value
      choice.textContent = option.label
      input.append(choice)
    }
  }
  input.autocomplete = 'off'
  for (const [key, value] of Object.entries(field.attributes ?? {})) input.setAttribute(key, value)
  if (field.value !== undefined) input.value = field.value
  wrap.append(label, input)
  if (field.hint !== undefined) {
    const hint = document.createElement('span')
    hint.className = 'hint'
    hint.id = `${id}-hint`
    hint.textContent = field.hint
    input.setAttribute('aria-describedby', hint.id)
    wrap.append(hint)
  }
  return wrap
}

function valuesOf () {
  const values = {}
  for (const input of fieldsBox.querySelectorAll('input, select')) values[input.name] = input.value
  return values
}

/** Restates the effect as the operator types; a value that cannot be read says why instead. */
function showEffect () {
  if (current === null) return
  try {
    effectBox.textContent = changeEffect(current.action, current.read(valuesOf()), current.state)
    effectBox.classList.remove('invalid')
  } catch (err) {
    effectBox.textContent = err.message
    effectBox.classList.add('invalid')
  }
}

/**
 * Opens the dialog for one change. `read(values)` turns the fields into the
 * change's input (throwing an Error that names a bad field); `run(input)`
 * sends it and rejects with an Error whose message the dialog shows.
 * `validate(input)` runs on submit only: an empty field may preview, not send.
 */
export function confirmChange ({ action, state, fields = [], read = () => ({}), validate = () => {}, run, opener }) {
  current = { action, state, read, validate, run, opener }
  title.textContent = DIALOG_TITLES[action] ?? action
  okButton.textContent = CONFIRM_LABELS[action] ?? 'Confirm'
  okButton.disabled = false
  okButton.dataset.action = action
  errorBox.textContent = ''
  fieldsBox.replaceChildren(...fields.map(fieldElement))
  showEffect()
  dialog.showModal()
  const first = fieldsBox.querySelector('input, select')
  // with nothing to type, the safe choice has the focus: Enter does not change the site
  ;(first ?? cancelButton).focus()
}

fieldsBox.addEventListener('input', showEffect)
fieldsBox.addEventListener('change', showEffect)

form.addEventListener('submit', async (event) => {
  event.preventDefault()
  if (current === null || okButton.disabled) return
  const pending = current
  let input
  try {
    input = pending.read(valuesOf())
    pending.validate(input)
  } catch (err) {
    errorBox.textContent = err.message
    return
  }
  errorBox.textContent = ''
  okButton.disabled = true
  okButton.setAttribute('aria-busy', 'true')
  try {
    await pending.run(input)
    dialog.close()
  } catch (err) {
    errorBox.textContent = err.message
    // a stale view must be reviewed before anything is sent again
    okButton.disabled = err.stale === true
    ;(okButton.disabled ? cancelButton : okButton).focus()
  } finally {
    okButton.removeAttribute('aria-busy')
  }
})

cancelButton.addEventListener('click', () => dialog.close())

dialog.addEventListener('close', () => {
  const opener = current?.opener
  current = null
  fieldsBox.replaceChildren()
  if (opener === undefined || opener === null) return
  if (opener.isConnected) {
    opener.focus()
    return
  }
  // a live card redrawn while the dialog was open: its button of the same name takes the focus
  const label = opener.getAttribute('aria-label')
  const again = label === null ? null : [...document.querySelectorAll('button[aria-label]')].find((button) => button.getAttribute('aria-label') === label)
  again?.focus()
})
