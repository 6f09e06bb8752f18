/** The slice of a pino logger the firewall writes to. */
export interface FirewallLogger {
  info (detail: Record<string, unknown>, message: string): void
  warn (detail: Record<string, unknown>, message: string): void
  error (detail: Record<string, unknown>, message: string): void
}
