import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { botCommand, REPO_ROOT } from '../support/bot-process.js';

/**
 * The fault suite runs the bot as `node dist/src/main.js`: compile first when the sources are
 * newer than the build (what `npm start` does). Decided once, so every child of the run starts
 * the same way even if a source file changes meanwhile; tsx when the build cannot be made.
 */
export default function setup(): void {
  try {
    execFileSync(process.execPath, [join(REPO_ROOT, 'scripts/ensure-build.mjs')], { cwd: REPO_ROOT, stdio: ['ignore', 'inherit', 'pipe'] });
  } catch (err) {
    console.warn(`[earshot faults] the build failed; the bot runs from the sources through tsx: ${String((err as { stderr?: Buffer }).stderr ?? err).split('\n')[0]}`);
  }
  const { how } = botCommand();
  process.env.EARSHOT_BOT_HOW = how;
  console.log(`[earshot faults] the bot runs as ${how === 'dist' ? 'node dist/src/main.js' : 'node --import tsx src/main.ts'}`);
}
