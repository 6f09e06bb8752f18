import type { InstanceRegistry } from '../store/instances.js'
import type { HealthSource } from './gate.js'
import type { HealthRecorder } from './recorder.js'
import { mergeWindows, parseHealthWindow, type HealthWindow } from './window.js'

/**
 * The health figures of every live instance, merged: with several instances
 * behind a load balancer, one failing application node must count with the
 * traffic of all, not be judged (or missed) on one instance's share. Each
 * instance ships its window in its heartbeat; this instance's own figures are
 * taken fresh rather than from its last report. With `site` (a site other
 * than default), the windows are that site's, from each heartbeat's `siteHealth`.
 */
export function sharedHealthSource (registry: InstanceRegistry, self: () => string, own: HealthRecorder, site?: string): HealthSource {
  return {
    async window (now: number): Promise<HealthWindow> {
      const windows: HealthWindow[] = [own.window(now)]
      let live
      try {
        live = await registry.list()
      } catch {
        // the shared store is away: judge on what this instance sees rather than not at all
        return windows[0] as HealthWindow
      }
      const id = self()
      for (const instance of live) {
        if (instance.id === id) continue
        const window = parseHealthWindow(site === undefined ? instance.health : instance.siteHealth?.[site])
        if (window !== null) windows.push(window)
      }
      return mergeWindows(windows)
    }
  }
}
