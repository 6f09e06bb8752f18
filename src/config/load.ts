import { readFile } from 'node:fs/promises'
import { dirname, resolve } from 'node:path'
import { parse, YAMLParseError } from 'yaml'
import { errors } from '../errors.js'
import { parseConfig, type Config } from './config.js'

export const DEFAULT_CONFIG_PATH = '/etc/gatekeeper/gatekeeper.yaml'

/** The config path: --config, else GATEKEEPER_CONFIG, else the shipped file. */
export function configPath (flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  return flag ?? env.GATEKEEPER_CONFIG ?? DEFAULT_CONFIG_PATH
}

/**
 * An environment in which every variable is set: for commands that read the
 * configuration but use none of its secrets (the firewall helper runs without
 * the admin tokens, Redis password or webhook secrets in its environment).
 * The stand-in is 64 hex digits, which fits every secret's check.
 */
function withoutSecrets (env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return new Proxy(env, { get: (target, name) => typeof name === 'string' ? (target[name] ?? '0'.repeat(64)) : undefined })
}

export interface LoadOptions {
  /** false: secrets held in environment variables need not be set (they are not used) */
  secrets?: boolean
}

export async function loadConfig (path: string, env: NodeJS.ProcessEnv = process.env, options: LoadOptions = {}): Promise<Config> {
  if (options.secrets === false) env = withoutSecrets(env)
  let text: string
  try {
    text = await readFile(path, 'utf8')
  } catch (err) {
    throw new errors.GK_ERR_CONFIG(`cannot read ${path}: ${(err as Error).message}`)
  }
  let raw: unknown
  try {
    raw = parse(text)
  } catch (err) {
    const where = err instanceof YAMLParseError && err.linePos !== undefined ? ` at line ${err.linePos[0].line}` : ''
    throw new errors.GK_ERR_CONFIG(`${path} is not valid YAML${where}: ${(err as Error).message.split('\n')[0] ?? ''}`)
  }
  let config: Config
  try {
    config = parseConfig(raw, env)
  } catch (err) {
    if (err instanceof Error) err.message = `${path}: ${err.message}`
    throw err
  }
  return withPathsFrom(dirname(resolve(path)), config)
}

/**
 * The configuration with every file path made absolute against `base`, the
 * directory of the config file, never the directory gatekeeper was started
 * from: a restart from elsewhere must find the same state (and not a fresh,
 * open one). Defaults are resolved the same way.
 */
export function withPathsFrom (base: string, config: Config): Config {
  const at = (path: string): string => resolve(base, path)
  const store: Config['store'] = config.store.type === 'file'
    ? { ...config.store, path: at(config.store.path), ...(config.store.auditPath === undefined ? {} : { auditPath: at(config.store.auditPath) }) }
    : { ...config.store, localCopyPath: at(config.store.localCopyPath) }
  const listeners = config.listeners.map((l) => l.tls === undefined
    ? l
    : { ...l, tls: { certs: l.tls.certs.map((c) => ({ cert: at(c.cert), key: at(c.key) })) } })
  const sites = config.sites?.map((site) => site.pagesDir === undefined ? site : { ...site, pagesDir: at(site.pagesDir) })
  return { ...config, store, listeners, maintenance: { ...config.maintenance, pagesDir: at(config.maintenance.pagesDir) }, ...(sites === undefined ? {} : { sites }) }
}
