/**
 * A certificate authority and a server certificate for 127.0.0.1, made by openssl for one test
 * run, so the test SMTP server can offer STARTTLS that herald verifies for real: the CLI under
 * test trusts the CA through NODE_EXTRA_CA_CERTS, and certificate checks stay on.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface TestCertificates {
  /** The server's private key and certificate (PEM), for startSmtpServer({ starttls }). */
  readonly key: string;
  readonly cert: string;
  /** The CA certificate file, for NODE_EXTRA_CA_CERTS. */
  readonly caFile: string;
  remove(): void;
}

/** Whether openssl can be run here; tests that need it skip themselves, saying why, when not. */
export function hasOpenssl(): boolean {
  try {
    execFileSync('openssl', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

export function makeCertificates(): TestCertificates {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-tls-'));
  const file = (name: string): string => path.join(dir, name);
  const openssl = (...args: string[]): void => {
    execFileSync('openssl', args, { cwd: dir, stdio: 'pipe' });
  };
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=herald test CA',
    '-keyout', file('ca.key'), '-out', file('ca.pem'),
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign');
  openssl('req', '-newkey', 'rsa:2048', '-nodes', '-subj', '/CN=127.0.0.1', '-keyout', file('server.key'), '-out', file('server.csr'));
  fs.writeFileSync(file('server.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  openssl('x509', '-req', '-in', file('server.csr'), '-CA', file('ca.pem'), '-CAkey', file('ca.key'), '-CAcreateserial',
    '-days', '2', '-extfile', file('server.ext'), '-out', file('server.pem'));
  return {
    key: fs.readFileSync(file('server.key'), 'utf8'),
    cert: fs.readFileSync(file('server.pem'), 'utf8'),
    caFile: file('ca.pem'),
    remove: () => fs.rmSync(dir, { recursive: true, force: true }),
  };
}
