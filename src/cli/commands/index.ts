import type { Command } from '../command.js'
import { commandGroup } from '../group.js'
import { allowCommands } from './allow.js'
import { auditCommand } from './audit.js'
import { instancesCommand } from './instances.js'
import { closeCommand, openCommand, readOnlyCommand, stageCommand } from './mode.js'
import { statusCommand } from './status.js'
import { tokenCommands } from './token.js'

/** Every command that talks to the admin API, in the order `gatekeeper help` lists them. */
export const ADMIN_COMMANDS: readonly Command[] = [
  statusCommand,
  closeCommand,
  openCommand,
  readOnlyCommand,
  stageCommand,
  commandGroup('allow', 'the dynamic allowlist: add, list, remove',
    'Addresses and networks that pass the gate in every mode (the sysadmin, the DBA, the testers).', allowCommands),
  commandGroup('token', 'bypass tokens for testers: create, list, revoke',
    'Named, expiring bypass tokens: a tester passes the gate from anywhere with the link or the header.', tokenCommands),
  auditCommand,
  instancesCommand
]
