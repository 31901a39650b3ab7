import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, existsSync, mkdtempSync, readdirSync, readFileSync, statSync, type WriteStream } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * earshot as a real child process (`node dist/src/main.js`, or `tsx src/main.ts` when the build
 * is missing or older than the sources), for the fault suite and the memory figure: it can be
 * killed with SIGKILL, its resident memory read from /proc, and its log scanned line by line.
 * The child runs in an empty directory (no `.env` is read by accident) with only the environment
 * given here, and logs JSON (stdout is a pipe, not a terminal).
 */

export const REPO_ROOT = resolve(fileURLToPath(new URL('../..', import.meta.url)));
const DIST_MAIN = join(REPO_ROOT, 'dist/src/main.js');
const SRC_MAIN = join(REPO_ROOT, 'src/main.ts');
const TSX_LOADER = join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs');

function newestMtime(dir: string): number {
  let t = 0;
  if (!existsSync(dir)) return t;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newestMtime(p) : statSync(p).mtimeMs);
  }
  return t;
}

/** How the bot is started: the compiled build when it is up to date, else the sources through tsx. */
export function botCommand(): { args: string[]; how: 'dist' | 'tsx' } {
  const decided = process.env.EARSHOT_BOT_HOW;
  if (decided === 'dist') return { args: [DIST_MAIN], how: 'dist' };
  if (decided === 'tsx') return { args: ['--import', pathToImportSpecifier(TSX_LOADER), SRC_MAIN], how: 'tsx' };
  const built = existsSync(DIST_MAIN) ? statSync(DIST_MAIN).mtimeMs : 0;
  const source = Math.max(newestMtime(join(REPO_ROOT, 'src')), newestMtime(join(REPO_ROOT, 'migrations')));
  if (built > 0 && built >= source) return { args: [DIST_MAIN], how: 'dist' };
  return { args: ['--import', pathToImportSpecifier(TSX_LOADER), SRC_MAIN], how: 'tsx' };
}

function pathToImportSpecifier(p: string): string {
  return new URL(`file://${p}`).href;
}

/** A TCP port that was free a moment ago (the child listens on it; restarts reuse it). */
export function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as net.AddressInfo;
      s.close(() => resolvePort(port));
    });
  });
}

export interface LogLine {
  level?: number;
  msg?: string;
  [key: string]: unknown;
}

export interface BotProcess {
  readonly name: string;
  readonly pid: number;
  readonly port: number;
  /** http://127.0.0.1:PORT */
  readonly url: string;
  readonly how: 'dist' | 'tsx';
  readonly child: ChildProcess;
  /** Everything the child wrote to stdout and stderr so far. */
  output(): string;
  /** What the child wrote to stderr (crashes, Node warnings; the log itself goes to stdout). */
  stderr(): string;
  /** stdout lines that parsed as JSON log lines. */
  lines(): LogLine[];
  /** Resolves with the exit code (or signal name) once the child has exited. */
  readonly exited: Promise<number | string | null>;
  readonly alive: boolean;
  kill(signal?: NodeJS.Signals): Promise<void>;
  /** SIGTERM and wait (SIGKILL after `graceMs`). */
  stop(graceMs?: number): Promise<void>;
  /** Resident set size in kB (VmRSS from /proc/<pid>/status), and the peak (VmHWM). */
  memory(): { rssKb: number; hwmKb: number } | undefined;
}

export interface StartBotOptions {
  name: string;
  /** The bot's environment (SLACK_*, DATABASE_URL or DATA_DIR, …); PORT is set from `port`. */
  env: Record<string, string | undefined>;
  /** Listen here (default: a free port). */
  port?: number;
  /** Also append the output here (one file per run; kept for a failing test's post-mortem). */
  logFile?: string;
  /** How long to wait for /healthz (default 60 s). */
  readyTimeoutMs?: number;
  /** Wait for /readyz (database and Slack reachable) instead of /healthz. */
  waitReady?: boolean;
  /** Extra node flags (e.g. --max-old-space-size). */
  nodeArgs?: string[];
}

let logDir: string | undefined;
/** A directory for child logs of this test run. */
export function botLogDir(): string {
  logDir ??= mkdtempSync(join(tmpdir(), 'earshot-bots-'));
  return logDir;
}

export async function startBot(o: StartBotOptions): Promise<BotProcess> {
  const port = o.port ?? (await freePort());
  const { args, how } = botCommand();
  const cwd = mkdtempSync(join(tmpdir(), 'earshot-bot-cwd-'));
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '/usr/bin:/bin',
    HOME: process.env.HOME ?? cwd,
    NODE_ENV: 'production',
  };
  for (const [k, v] of Object.entries({ ...o.env, PORT: String(port) })) if (v !== undefined) env[k] = v;
  const child = spawn(process.execPath, [...(o.nodeArgs ?? []), ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  const chunks: string[] = [];
  const errChunks: string[] = [];
  let partial = '';
  const parsed: LogLine[] = [];
  const file: WriteStream | undefined = o.logFile ? createWriteStream(o.logFile, { flags: 'a' }) : undefined;
  file?.write(`--- ${o.name} pid ${child.pid} (${how}) ${new Date().toISOString()}\n`);
  child.stdout!.setEncoding('utf8').on('data', (s: string) => {
    chunks.push(s);
    file?.write(s);
    partial += s;
    const parts = partial.split('\n');
    partial = parts.pop() ?? '';
    for (const line of parts) {
      if (!line.startsWith('{')) continue;
      try {
        parsed.push(JSON.parse(line) as LogLine);
      } catch {
        /* a non-JSON line: kept in output() */
      }
    }
  });
  child.stderr!.setEncoding('utf8').on('data', (s: string) => {
    chunks.push(s);
    errChunks.push(s);
    file?.write(s);
  });
  let alive = true;
  const exited = new Promise<number | string | null>((done) => {
    child.once('exit', (code, signal) => {
      alive = false;
      file?.end(`\n--- ${o.name} exited ${signal ?? code}\n`);
      done(signal ?? code);
    });
  });
  const url = `http://127.0.0.1:${port}`;
  const bot: BotProcess = {
    name: o.name,
    pid: child.pid!,
    port,
    url,
    how,
    child,
    output: () => chunks.join(''),
    stderr: () => errChunks.join(''),
    lines: () => parsed,
    exited,
    get alive() {
      return alive;
    },
    async kill(signal: NodeJS.Signals = 'SIGKILL') {
      if (!alive) return;
      child.kill(signal);
      await exited;
    },
    async stop(graceMs = 15_000) {
      if (!alive) return;
      child.kill('SIGTERM');
      const t = setTimeout(() => child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
    },
    memory() {
      try {
        const status = readProcStatus(child.pid!);
        const kb = (k: string) => Number(new RegExp(`^${k}:\\s+(\\d+)\\s+kB`, 'm').exec(status)?.[1] ?? NaN);
        return { rssKb: kb('VmRSS'), hwmKb: kb('VmHWM') };
      } catch {
        return undefined;
      }
    },
  };
  const deadline = Date.now() + (o.readyTimeoutMs ?? 60_000);
  const path = o.waitReady ? '/readyz' : '/healthz';
  for (;;) {
    if (!alive) throw new Error(`${o.name} exited during start-up (${String(await exited)}):\n${bot.output().slice(-4000)}`);
    try {
      const r = await fetch(`${url}${path}`, { signal: AbortSignal.timeout(2_000) });
      if (r.status === 200) break;
    } catch {
      /* not listening yet */
    }
    if (Date.now() > deadline) {
      await bot.kill();
      throw new Error(`${o.name} did not answer ${path} within ${o.readyTimeoutMs ?? 60_000} ms:\n${bot.output().slice(-4000)}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return bot;
}

function readProcStatus(pid: number): string {
  // Synchronous: /proc files are tiny and this runs between measurements.
  return readFileSync(`/proc/${pid}/status`, 'utf8');
}
