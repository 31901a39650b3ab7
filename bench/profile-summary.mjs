// Summarises V8 .cpuprofile files: self time per function and total time per function (a function
// counted once per sample however deep it recurses), top N. Usage: node bench/profile-summary.mjs FILE... [--top=40]
import { readFileSync } from 'node:fs';

const files = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const top = Number(process.argv.find((a) => a.startsWith('--top='))?.slice(6) ?? 40);
const self = new Map();
const total = new Map();
let samplesAll = 0;
const short = (url) => url.replace(/^.*node_modules\//, '').replace(/^file:\/\/.*?\/(src|bench|test)\//, '$1/');
for (const f of files) {
  const p = JSON.parse(readFileSync(f, 'utf8'));
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n) => `${n.callFrame.functionName || '(anon)'} ${short(n.callFrame.url)}:${n.callFrame.lineNumber + 1}`;
  for (const id of p.samples) {
    samplesAll++;
    const n = byId.get(id);
    self.set(name(n), (self.get(name(n)) ?? 0) + 1);
    const seen = new Set();
    for (let cur = id; cur !== undefined; cur = parent.get(cur)) {
      const k = name(byId.get(cur));
      if (!seen.has(k)) {
        seen.add(k);
        total.set(k, (total.get(k) ?? 0) + 1);
      }
    }
  }
}
const show = (title, m) => {
  console.log(`\n${title} (% of ${samplesAll} samples)`);
  for (const [k, v] of [...m].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${((100 * v) / samplesAll).toFixed(1).padStart(5)}  ${k}`);
};
show('self', self);
show('total', total);
