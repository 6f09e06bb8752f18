/** Plain-text tables for a terminal: columns padded to their widest cell, two spaces apart. */

export function renderTable (columns: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const widths = columns.map((column, i) => Math.max(column.length, ...rows.map((row) => (row[i] ?? '').length)))
  const line = (cells: readonly string[]): string =>
    cells.map((cell, i) => i === cells.length - 1 ? cell : cell.padEnd(widths[i] as number)).join('  ').trimEnd()
  return [line(columns.map((column) => column.toUpperCase())), ...rows.map(line)].join('\n') + '\n'
}

/** A record as aligned "name: value" lines; empty values are left out. */
export function renderFields (fields: ReadonlyArray<readonly [string, string | undefined]>): string {
  const shown = fields.filter((field): field is readonly [string, string] => field[1] !== undefined && field[1] !== '')
  const width = Math.max(0, ...shown.map(([name]) => name.length + 1))
  return shown.map(([name, value]) => `${(name + ':').padEnd(width)}  ${value}`).join('\n') + '\n'
}
