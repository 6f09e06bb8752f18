import { spawn } from 'node:child_process'

/**
 * Tells systemd (Type=notify) that the listeners are bound and the state is
 * loaded. Node has no unix datagram sockets, so the message goes through
 * systemd's own `systemd-notify`, naming this process as the service's main
 * PID (the unit sets NotifyAccess=all for that). Outside systemd
 * ($NOTIFY_SOCKET unset) it does nothing.
 */
export function notifySystemd (fields: Record<string, string>, env: NodeJS.ProcessEnv = process.env): Promise<void> {
  if (env.NOTIFY_SOCKET === undefined || env.NOTIFY_SOCKET === '') return Promise.resolve()
  const args = [`--pid=${process.pid}`, ...Object.entries(fields).map(([key, value]) => `${key}=${value}`)]
  return new Promise((resolve) => {
    const child = spawn('systemd-notify', args, { stdio: 'ignore', env })
    // a notification that cannot be sent must not stop the gate: systemd then times the start out and says so
    child.on('error', () => resolve())
    child.on('close', () => resolve())
  })
}
