// What the TLS benches share: the run's certificate, and nginx terminating
// TLS (and serving plain HTTP beside it) in front of the bench's upstream.

import { execFileSync } from 'node:child_process'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { NGINX, nginxPreamble, waitForPort } from './nginx.js'
import { startPinned } from './processes.js'

/** A self-signed ECDSA P-256 certificate for bench.test, made with openssl in `dir`. */
export function certificate (dir) {
  execFileSync('openssl', ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', 'bench.key', '-out', 'bench.crt',
    '-days', '2', '-subj', '/CN=bench.test', '-addext', 'subjectAltName=DNS:bench.test'], { cwd: dir, stdio: 'ignore' })
  return { cert: join(dir, 'bench.crt'), key: join(dir, 'bench.key') }
}

/** nginx with a TLS and a plain server, both proxying to the upstream as bench/harness/nginx.js does. */
export async function startNginxTls ({ dir, cpus, upstreamPort, tlsPort, plainPort, cert }) {
  mkdirSync(join(dir, 'tmp'), { recursive: true })
  const proxy = `
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;`
  const conf = join(dir, 'nginx.conf')
  writeFileSync(conf, `${nginxPreamble(dir, 'bench/tls.js')}
  upstream app { server 127.0.0.1:${upstreamPort}; keepalive 64; }
  server {
    listen 127.0.0.1:${tlsPort} ssl;
    ssl_certificate ${cert.cert};
    ssl_certificate_key ${cert.key};
    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_ciphers ECDHE-ECDSA-AES128-GCM-SHA256:ECDHE-RSA-AES128-GCM-SHA256:ECDHE-ECDSA-AES256-GCM-SHA384:ECDHE-RSA-AES256-GCM-SHA384:ECDHE-ECDSA-CHACHA20-POLY1305:ECDHE-RSA-CHACHA20-POLY1305;
    ssl_prefer_server_ciphers on;
    ssl_session_cache off;
    ssl_session_tickets off;
    location / {${proxy}
    }
  }
  server {
    listen 127.0.0.1:${plainPort};
    location / {${proxy}
    }
  }
}
`)
  const proc = await startPinned({ name: 'nginx', cpus, command: NGINX, args: ['-p', dir, '-c', conf, '-e', join(dir, 'error.log')], timeoutMs: 5000 })
  await waitForPort(plainPort)
  return proc
}
