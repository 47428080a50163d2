/**
 * Summarises a V8 .cpuprofile (from `node --cpu-prof`): self time per function and per package
 * (a node_modules package, a folder of herald's dist/, a Node core module, GC, native code).
 *
 *   node dist-bench/measure/cpuprofile.js FILE.cpuprofile [TOP]
 */
import fs from 'node:fs';
import path from 'node:path';
import type { ProfileFunction, ProfileSummary } from '../results';

interface CpuProfile {
  readonly nodes: readonly { readonly id: number; readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number } }[];
  readonly samples?: readonly number[];
  readonly timeDeltas?: readonly number[];
}

function packageOf(url: string, functionName: string): string {
  if (!url) {
    if (functionName === '(garbage collector)') return 'V8 garbage collector';
    if (functionName === '(idle)') return '(idle: waiting for I/O)';
    if (functionName === '(program)') return 'V8/native (program)';
    return `native: ${functionName || '(anonymous)'}`;
  }
  const clean = url.replace(/^file:\/\//, '');
  const nm = clean.lastIndexOf('/node_modules/');
  if (nm >= 0) {
    const rest = clean.slice(nm + '/node_modules/'.length).split('/');
    return rest[0].startsWith('@') ? `${rest[0]}/${rest[1]}` : rest[0];
  }
  const dist = clean.lastIndexOf('/dist/');
  if (dist >= 0) {
    const rest = clean.slice(dist + '/dist/'.length).split('/');
    return `herald dist/${rest.length > 1 ? rest[0] + '/' : rest[0]}`;
  }
  if (clean.startsWith('node:')) {
    const parts = clean.slice(5).split('/');
    return `node:${parts[0] === 'internal' && parts[1] ? `internal/${parts[1].replace(/\.js$/, '')}` : parts[0]}`;
  }
  return path.basename(clean);
}

export function summarise(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(fs.readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  const { samples = [], timeDeltas = [] } = profile;
  for (let i = 0; i < samples.length; i++) {
    // timeDeltas[i] is the time before sample i; the time until the next sample belongs to sample i
    const dt = timeDeltas[i + 1] ?? 0;
    selfUs.set(samples[i], (selfUs.get(samples[i]) ?? 0) + Math.max(dt, 0));
  }
  const fn = new Map<string, Omit<ProfileFunction, 'ms' | 'pct'>>();
  const pkg = new Map<string, number>();
  let total = 0;
  let idle = 0;
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    const cf = node.callFrame;
    const name = cf.functionName || '(anonymous)';
    const where = cf.url ? `${cf.url.replace(/^file:\/\//, '').replace(/^.*\/node_modules\//, '').replace(/^.*\/dist\//, 'dist/')}:${cf.lineNumber + 1}` : '';
    const p = packageOf(cf.url, name);
    total += us;
    if (name === '(idle)') {
      idle += us;
      continue;
    }
    const key = `${name} ${where}`;
    fn.set(key, { name, where, pkg: p, us: (fn.get(key)?.us ?? 0) + us });
    pkg.set(p, (pkg.get(p) ?? 0) + us);
  }
  const busy = total - idle;
  const pct = (us: number): number => (busy > 0 ? (100 * us) / busy : 0);
  return {
    totalMs: total / 1000,
    idleMs: idle / 1000,
    busyMs: busy / 1000,
    functions: [...fn.values()].sort((a, b) => b.us - a.us).slice(0, top).map((f) => ({ ...f, ms: f.us / 1000, pct: pct(f.us) })),
    packages: [...pkg.entries()].sort((a, b) => b[1] - a[1]).slice(0, top).map(([name, us]) => ({ name, ms: us / 1000, pct: pct(us) })),
  };
}

if (require.main === module) {
  const s = summarise(process.argv[2], Number(process.argv[3] || 20));
  console.log(`busy ${s.busyMs.toFixed(0)} ms, idle ${s.idleMs.toFixed(0)} ms`);
  for (const p of s.packages) console.log(`${p.pct.toFixed(1).padStart(5)}%  ${p.ms.toFixed(0).padStart(7)} ms  ${p.name}`);
  console.log('');
  for (const f of s.functions) console.log(`${f.pct.toFixed(1).padStart(5)}%  ${f.ms.toFixed(0).padStart(7)} ms  ${f.name}  ${f.where}`);
}
