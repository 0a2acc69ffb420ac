/**
 * Top functions by self time in a V8 .cpuprofile (from `npm run bench -- --cpu-prof DIR`).
 *
 *   npx tsx bench/profile-summary.ts DIR/tincan-saturate.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}
interface Profile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

const [file, topArg] = process.argv.slice(2);
if (!file) {
  process.stderr.write('usage: tsx bench/profile-summary.ts FILE.cpuprofile [TOP]\n');
  process.exit(2);
}
const profile = JSON.parse(readFileSync(file, 'utf8')) as Profile;
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<string, number>();
let total = 0;
let idle = 0;
profile.samples.forEach((id, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  const frame = nodes.get(id)!.callFrame;
  const name = `${frame.functionName || '(anonymous)'} ${frame.url.split('/').slice(-2).join('/')}:${frame.lineNumber + 1}`;
  total += dt;
  if (frame.functionName === '(idle)') idle += dt;
  selfUs.set(name, (selfUs.get(name) ?? 0) + dt);
});
const busy = total - idle;
process.stdout.write(`${file}: ${(total / 1e6).toFixed(2)} s profiled, ${(busy / 1e6).toFixed(2)} s busy\n`);
process.stdout.write('self time, % of busy time:\n');
[...selfUs.entries()]
  .filter(([name]) => !name.startsWith('(idle)'))
  .sort((a, b) => b[1] - a[1])
  .slice(0, Number(topArg ?? 25))
  .forEach(([name, us]) => process.stdout.write(`${((us / busy) * 100).toFixed(1).padStart(6)}%  ${name}\n`));
