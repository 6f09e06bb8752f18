/** The Prometheus text format (version 0.0.4), written by hand: it is a few lines per family. */

export const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8'

export type Labels = Record<string, string>

export interface Exposition {
  family (name: string, type: 'counter' | 'gauge' | 'histogram', help: string): void
  sample (name: string, value: number, labels?: Labels): void
  text (): string
}

function escapeLabel (value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n').replace(/"/g, '\\"')
}

function escapeHelp (value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/\n/g, '\\n')
}

export function formatValue (value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Infinity) return '+Inf'
  if (value === -Infinity) return '-Inf'
  return String(value)
}

export function createExposition (): Exposition {
  const lines: string[] = []
  return {
    family (name, type, help) {
      lines.push(`# HELP ${name} ${escapeHelp(help)}`, `# TYPE ${name} ${type}`)
    },
    sample (name, value, labels) {
      const pairs = labels === undefined ? [] : Object.entries(labels).map(([key, text]) => `${key}="${escapeLabel(text)}"`)
      lines.push(`${name}${pairs.length === 0 ? '' : `{${pairs.join(',')}}`} ${formatValue(value)}`)
    },
    text () {
      return lines.join('\n') + '\n'
    }
  }
}
