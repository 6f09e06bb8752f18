// The reference: Debian's nginx, one process (no master) pinned like the
// other contenders, with a configuration written into the run's temp dir.
//  - proxy_pass to the same upstream, HTTP/1.1 with a keep-alive pool;
//  - the classic maintenance snippet: `return 503` with an error page (the
//    page Gatekeeper itself serves, so both send the same bytes).

import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startPinned } from './processes.js'

export const NGINX = process.env.GK_BENCH_NGINX ?? '/usr/sbin/nginx'

/** The start of every configuration the benches write: one process, its files in `dir`, the http block opened. */
export function nginxPreamble (dir, writer) {
  return `# written by ${writer} for one run
daemon off;
master_process off;
worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path ${dir}/tmp/body;
  proxy_temp_path ${dir}/tmp/proxy;
  fastcgi_temp_path ${dir}/tmp/fastcgi;
  uwsgi_temp_path ${dir}/tmp/uwsgi;
  scgi_temp_path ${dir}/tmp/scgi;
  keepalive_requests 1000000;`
}

export function nginxConfig ({ dir, upstreamPort, proxyPort, closedPort }) {
  return `${nginxPreamble(dir, 'bench/run.js')}
  upstream app {
    server 127.0.0.1:${upstreamPort};
    keepalive 64;
  }
  server {
    listen 127.0.0.1:${proxyPort};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_set_header X-Forwarded-Host $host;
    }
  }
  server {
    listen 127.0.0.1:${closedPort};
    location / { return 503; }
    error_page 503 /maintenance.html;
    location = /maintenance.html {
      internal;
      root ${dir};
      add_header Retry-After 300 always;
      add_header Cache-Control no-store always;
    }
  }
}
`
}

/** Starts nginx on `cpus` serving both sites; resolves once both ports answer. */
export async function startNginx ({ dir, cpus, upstreamPort, proxyPort, closedPort, maintenancePage }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  writeFileSync(join(dir, 'maintenance.html'), maintenancePage)
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, nginxConfig({ dir, upstreamPort, proxyPort, closedPort }))
  const proc = await startPinned({
    name: 'nginx',
    cpus,
    command: NGINX,
    args: ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')],
    // nginx prints nothing when it starts well: ready once its ports answer
    timeoutMs: 5000
  })
  await waitForPort(proxyPort)
  await waitForPort(closedPort)
  return proc
}

export async function waitForPort (port, timeoutMs = 5000) {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    try {
      await fetch(`http://127.0.0.1:${port}/`)
      return
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`nothing answered on port ${port}: ${err.message}`)
      await new Promise((resolve) => setTimeout(resolve, 50))
    }
  }
}
