/** Where progress goes: stderr, so stdout stays the answer a script reads. */
export interface ProgressStream {
  write (text: string): unknown
  isTTY?: boolean
}

export interface Progress {
  /**
   * Shows the current line: redrawn in place on a terminal, with `ticker`
   * (an elapsed time) after it; elsewhere a new line only when `line` changed,
   * so a log of the wait stays short.
   */
  update (line: string, ticker?: string): void
  /** ends the progress display, with a last line when given */
  done (line?: string): void
}

export function createProgress (stream: ProgressStream): Progress {
  const terminal = stream.isTTY === true
  let shown: string | undefined
  let drawn = false

  return {
    update (line, ticker) {
      if (terminal) {
        stream.write(`\r\x1b[2K${line}${ticker === undefined ? '' : ` (${ticker})`}`)
        drawn = true
      } else if (line !== shown) {
        stream.write(`${line}\n`)
      }
      shown = line
    },
    done (line) {
      if (terminal && drawn) stream.write('\r\x1b[2K')
      if (line !== undefined) stream.write(`${line}\n`)
      drawn = false
      shown = undefined
    }
  }
}
