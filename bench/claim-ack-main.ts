// One claim-ack figure on its own. Arguments: [clicks] [rounds] [--profile=FILE]: with --profile,
// a CPU profile of earshot's click rounds only (from the clicks' start to their last ack), for
// Chrome DevTools or `node bench/profile-summary.mjs FILE`.
import { writeFileSync } from 'node:fs';
import { Session, type Profiler } from 'node:inspector';
import { createTestDatabase } from '../test/support/db.js';
import { measureClaimAck } from './claim-ack.js';

const args = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const profileFile = process.argv.find((a) => a.startsWith('--profile='))?.slice('--profile='.length);
const session = profileFile ? new Session() : undefined;
const post = (method: string, params?: object) => new Promise<unknown>((resolve, reject) => session!.post(method, params ?? {}, (err, r) => (err ? reject(err) : resolve(r))));
const profiles: Profiler.Profile[] = [];
if (session) {
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 100 });
}
const profile = session
  ? { start: async () => void (await post('Profiler.start')), stop: async () => void profiles.push(((await post('Profiler.stop')) as { profile: Profiler.Profile }).profile) }
  : undefined;

const tdb = await createTestDatabase();
const database = await tdb.open();
try {
  const r = await measureClaimAck(database, { clicks: Number(args[0] ?? 200), rounds: Number(args[1] ?? 4), profile });
  console.log(JSON.stringify({ database: tdb.url ? 'server' : 'embedded', ...r }));
  profiles.forEach((p, i) => writeFileSync(`${profileFile}.${i}.cpuprofile`, JSON.stringify(p)));
} finally {
  await database.close();
  await tdb.drop();
}
