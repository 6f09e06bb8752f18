import { get, type Answer } from './harness.js'

/**
 * Sends requests with distinct client keys (the staged.keyHeader) until
 * `wanted` of them were passed to the upstream, at most `maxClients`:
 * a staged gate lets a share of keys through, and only those reach it.
 * Each client also comes from an address of its own (127.1.x.y): the health
 * gate tells clients apart by address, and caps what one of them counts for.
 */
export async function sendUntilPassed (url: string, header: string, wanted: number, options: { prefix?: string, maxClients?: number, passed?: (answer: Answer) => boolean, headers?: Record<string, string> } = {}): Promise<{ passed: number, sent: number }> {
  const maxClients = options.maxClients ?? 1000
  const isPassed = options.passed ?? ((answer: Answer) => answer.status !== 503)
  let passed = 0
  let sent = 0
  while (passed < wanted && sent < maxClients) {
    const from = `127.1.${Math.floor(sent / 250)}.${1 + (sent % 250)}`
    const answer = await get(url, { from, headers: { ...options.headers, [header]: `${options.prefix ?? 'client'}-${sent}`, accept: 'application/json' } })
    sent++
    if (isPassed(answer)) passed++
  }
  if (passed < wanted) throw new Error(`only ${passed} of ${sent} clients passed the gate`)
  return { passed, sent }
}
