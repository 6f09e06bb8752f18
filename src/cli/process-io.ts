import type { Io } from './command.js'
import { EXIT } from './exit-codes.js'

/**
 * The real process as an Io. The first Ctrl-C lets a watch print where things
 * stand; a second one leaves at once. The admin token is masked in anything
 * written, as a last guard: no command prints it on purpose.
 */
export function processIo (args: readonly string[], env: NodeJS.ProcessEnv = process.env): Io {
  const controller = new AbortController()
  let interrupts = 0
  process.on('SIGINT', () => {
    interrupts += 1
    if (interrupts > 1) process.exit(EXIT.interrupted)
    controller.abort()
  })
  const secrets = adminSecrets(args, env)
  const mask = (text: string): string => secrets.reduce((masked, secret) => masked.split(secret).join('***'), text)
  return {
    out: (text) => { process.stdout.write(mask(text)) },
    err: (text) => { process.stderr.write(mask(text)) },
    progressStream: { write: (text: string) => process.stderr.write(mask(text)), isTTY: process.stderr.isTTY },
    env,
    now: () => Date.now(),
    interrupted: controller.signal
  }
}

function adminSecrets (args: readonly string[], env: NodeJS.ProcessEnv): string[] {
  const found: string[] = []
  if (env.GATEKEEPER_TOKEN !== undefined) found.push(env.GATEKEEPER_TOKEN)
  args.forEach((arg, i) => {
    if (arg === '--token' && args[i + 1] !== undefined) found.push(args[i + 1] as string)
    if (arg.startsWith('--token=')) found.push(arg.slice('--token='.length))
  })
  // short strings would mask ordinary words
  return found.filter((secret) => secret.length >= 8)
}
