// Medians, spreads and paired ratios over the rounds of one run.

export function median (values) {
  const sorted = values.filter((v) => Number.isFinite(v)).sort((a, b) => a - b)
  if (sorted.length === 0) return NaN
  const middle = sorted.length >> 1
  return sorted.length % 2 === 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/** (max - min) / median: how much the rounds disagree. */
export function spread (values) {
  const m = median(values)
  return (Math.max(...values) - Math.min(...values)) / m
}

/**
 * The ratio a / b of one figure, taken round by round (both measured
 * seconds apart, under the same neighbours) and then the median: steadier
 * on a shared machine than a ratio of two medians.
 */
export function pairedRatio (roundsA, roundsB, figure) {
  const ratios = []
  for (let i = 0; i < Math.min(roundsA.length, roundsB.length); i++) ratios.push(roundsA[i][figure] / roundsB[i][figure])
  return { median: median(ratios), min: Math.min(...ratios), max: Math.max(...ratios) }
}
