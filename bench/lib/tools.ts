/**
 * The programs the bench needs besides Node: Postfix's smtp-sink and smtp-source and GNU time.
 * Installed with apt-get when missing (as root), and a Postfix mail daemon that the install
 * started is stopped again: the bench never leaves a mail server running.
 */
import fs from 'node:fs';
import { say } from './io';
import { sh, TIME, which } from './proc';

export interface Tools {
  readonly sink: string;
  readonly source: string;
}

const POSTFIX_DIRS = ['/usr/sbin', '/usr/lib/postfix/sbin'];

function postfixRunning(): boolean {
  const postfix = which('postfix', ['/usr/sbin']);
  return postfix ? sh(postfix, ['status']).code === 0 : false;
}

function stopPostfixDaemon(): void {
  if (!postfixRunning()) return;
  say('a Postfix mail daemon is running after the install: stopping it');
  const postfix = which('postfix', ['/usr/sbin']);
  if (postfix) sh(postfix, ['stop']);
  sh('service', ['postfix', 'stop']);
  if (postfixRunning()) throw new Error('could not stop the Postfix daemon the install started; stop it with `postfix stop`');
}

function aptInstall(packages: readonly string[]): void {
  if (typeof process.getuid === 'function' && process.getuid() !== 0) {
    throw new Error(`${packages.join(', ')} missing; install as root: apt-get install -y ${packages.join(' ')}`);
  }
  say(`installing ${packages.join(', ')} with apt-get …`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  const update = sh('apt-get', ['update'], { env });
  if (update.code !== 0) throw new Error(`apt-get update failed:\n${update.out.slice(-2000)}`);
  const install = sh('apt-get', ['install', '-y', ...packages], { env });
  if (install.code !== 0) throw new Error(`apt-get install ${packages.join(' ')} failed:\n${install.out.slice(-2000)}`);
}

export function ensureTools(): Tools {
  let sink = which('smtp-sink', POSTFIX_DIRS);
  let source = which('smtp-source', POSTFIX_DIRS);
  if (!sink || !source) {
    const wasRunning = postfixRunning();
    aptInstall(['postfix']);
    if (!wasRunning) stopPostfixDaemon();
    sink = which('smtp-sink', POSTFIX_DIRS);
    source = which('smtp-source', POSTFIX_DIRS);
    if (!sink || !source) throw new Error('postfix is installed but smtp-sink/smtp-source are not found');
  }
  if (!fs.existsSync(TIME)) aptInstall(['time']);
  return { sink, source };
}
