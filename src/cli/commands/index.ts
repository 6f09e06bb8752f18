import type { Command } from '../command.js'
import { commandGroup } from '../group.js'
import { admissionCommand } from './admission.js'
import { allowCommands } from './allow.js'
import { auditCommand } from './audit.js'
import { instancesCommand } from './instances.js'
import { nodeCommand, nodesCommand } from './nodes.js'
import { closeCommand, openCommand, readOnlyCommand, stageCommand } from './mode.js'
import { rampCommands } from './ramp.js'
import { reloadCommand } from './reload.js'
import { scheduleCommands } from './schedule.js'
import { sitesCommand } from './sites.js'
import { statusCommand } from './status.js'
import { timelineCommand } from './timeline.js'
import { tokenCommands } from './token.js'
import { windowCommands } from './window.js'

/** Every command that talks to the admin API, in the order `gatekeeper help` lists them. */
export const ADMIN_COMMANDS: readonly Command[] = [
  statusCommand,
  sitesCommand,
  closeCommand,
  openCommand,
  readOnlyCommand,
  stageCommand,
  commandGroup('ramp', 'reopen gradually: start, pause, resume, promote, abort, show, watch',
    'A gradual reopening: staged steps held for a while each, watched by the health gate, ending open.', rampCommands),
  commandGroup('schedule', 'a planned window: create, show, extend, cancel',
    'A planned window: the site closes by itself at a time, tells the public when it should be back, and at that time holds, ramps or opens.', scheduleCommands),
  commandGroup('window', 'close several sites as one change: close, extend, show',
    'A window across sites (sites: in the configuration): closed as one change, all or none, and extended as one.', windowCommands),
  admissionCommand,
  commandGroup('allow', 'the dynamic allowlist: add, list, remove',
    'Addresses and networks that pass the gate in every mode (the sysadmin, the DBA, the testers).', allowCommands),
  commandGroup('token', 'bypass tokens for testers: create, list, revoke',
    'Named, expiring bypass tokens: a tester passes the gate from anywhere with the link or the header.', tokenCommands),
  auditCommand,
  timelineCommand,
  instancesCommand,
  reloadCommand,
  nodesCommand,
  nodeCommand
]
