/**
 * A real IMAP server for the tests: Dovecot from Debian (dovecot-imapd), started on 127.0.0.1 with
 * a throwaway configuration, one user and a Maildir under a temp folder, in the foreground as a
 * child of the test, which stops it. Tests skip themselves, saying why, when it is not installed.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const DOVECOT = process.env.HERALD_DOVECOT ?? '/usr/sbin/dovecot';
export const dovecotInstalled = fs.existsSync(DOVECOT);
export const DOVECOT_SKIP = 'skipped: no Dovecot here (apt-get install dovecot-imapd, or set HERALD_DOVECOT)';

export interface TestImapServer {
  readonly port: number;
  readonly user: string;
  readonly password: string;
  /** imap://user:password@127.0.0.1:port/INBOX */
  readonly url: string;
  /** The files of a folder of the user's Maildir ('' for INBOX), in new/ and cur/. */
  files(folder?: string): string[];
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

function userExists(name: string): boolean {
  return fs.readFileSync('/etc/passwd', 'utf8').split('\n').some((line) => line.startsWith(`${name}:`));
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('data', (d) => {
      socket.destroy();
      resolve(d.toString().startsWith('* OK'));
    });
    socket.once('error', () => resolve(false));
  });
}

export async function startDovecot(messages: Record<string, Buffer>): Promise<TestImapServer> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'herald-dovecot-'));
  fs.chmodSync(dir, 0o755);
  const user = 'bounces';
  const password = 'test-password';
  const port = await freePort();
  const home = path.join(dir, 'home', user);
  for (const sub of ['new', 'cur', 'tmp']) fs.mkdirSync(path.join(home, 'Maildir', sub), { recursive: true });
  for (const [name, raw] of Object.entries(messages)) fs.writeFileSync(path.join(home, 'Maildir', 'new', name), raw);
  // Dovecot runs no login or mail process as root: under root they get its own users and nobody
  const root = process.getuid?.() === 0;
  const me = os.userInfo();
  const loginUser = root ? (userExists('dovenull') ? 'dovenull' : 'nobody') : me.username;
  const internalUser = root ? (userExists('dovecot') ? 'dovecot' : 'nobody') : me.username;
  const internalGroup = root ? (userExists('dovecot') ? 'dovecot' : 'nogroup') : (fs.readFileSync('/etc/group', 'utf8').split('\n').find((l) => l.split(':')[2] === String(me.gid))?.split(':')[0] ?? String(me.gid));
  const uid = root ? 65534 : me.uid;
  const gid = root ? 65534 : me.gid;
  if (root) {
    for (const entry of [path.join(dir, 'home'), ...fs.readdirSync(path.join(dir, 'home'), { recursive: true }).map((p) => path.join(dir, 'home', String(p)))]) fs.chownSync(entry, uid, gid);
  }
  fs.writeFileSync(path.join(dir, 'users'), `${user}:{PLAIN}${password}\n`);
  for (const sub of ['run', 'state']) fs.mkdirSync(path.join(dir, sub));
  const conf = path.join(dir, 'dovecot.conf');
  fs.writeFileSync(conf, `base_dir = ${dir}/run
state_dir = ${dir}/state
log_path = ${dir}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain
default_login_user = ${loginUser}
default_internal_user = ${internalUser}
default_internal_group = ${internalGroup}
first_valid_uid = ${Math.min(uid, 500)}
mail_location = maildir:~/Maildir
passdb {
  driver = passwd-file
  args = scheme=PLAIN username_format=%u ${dir}/users
}
userdb {
  driver = static
  args = uid=${uid} gid=${gid} home=${dir}/home/%u
}
service imap-login {
  chroot =
  inet_listener imap {
    address = 127.0.0.1
    port = ${port}
  }
  inet_listener imaps {
    port = 0
  }
}
service anvil {
  chroot =
}
`);
  const child: ChildProcess = spawn(DOVECOT, ['-F', '-c', conf], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const started = Date.now();
  while (!(await accepts(port))) {
    if (child.exitCode !== null || Date.now() - started > 30_000) {
      child.kill('SIGKILL');
      throw new Error(`Dovecot did not start: ${stderr}${fs.existsSync(path.join(dir, 'dovecot.log')) ? fs.readFileSync(path.join(dir, 'dovecot.log'), 'utf8') : ''}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    port,
    user,
    password,
    url: `imap://${user}:${password}@127.0.0.1:${port}/INBOX`,
    files(folder = '') {
      const base = path.join(home, 'Maildir', folder ? `.${folder}` : '');
      return ['new', 'cur'].flatMap((sub) => (fs.existsSync(path.join(base, sub)) ? fs.readdirSync(path.join(base, sub)) : []));
    },
    async stop() {
      child.kill('SIGTERM');
      await exited;
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}
