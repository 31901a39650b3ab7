import { ESLint } from 'eslint';
import { readdir, readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = fileURLToPath(new URL('../..', import.meta.url));
const eslint = new ESLint({ cwd: root });

/** Lints `code` as if it were the file at `path` (an existing file, so the type-aware rules find it). */
async function layerErrors(path: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath: `${root}/${path}` });
  return result!.messages.filter((m) => m.ruleId === 'no-restricted-imports').map((m) => m.message);
}

// The first lint builds the TypeScript program for the type-aware rules: slow on a busy machine.
describe('the layer rule fails lint on an import that points up', { timeout: 180_000 }, () => {
  it('services/ may not import slack/ or sources/', async () => {
    expect(await layerErrors('src/services/ingest.ts', "import { ACTION } from '../slack/ids.js';\nexport const a = ACTION;\n")).toEqual([
      expect.stringContaining('services/ import only db/ and domain/'),
    ]);
    expect(await layerErrors('src/services/ingest.ts', "import { parseWebhookBody } from '../sources/webhook.js';\nexport const a = parseWebhookBody;\n")).toHaveLength(1);
  });

  it('db/ may not import services/, and domain/ imports only domain/', async () => {
    expect(await layerErrors('src/db/mentions.ts', "import { Triage } from '../services/triage.js';\nexport const t = Triage;\n")).toHaveLength(1);
    expect(await layerErrors('src/domain/priority.ts', "import type { MentionRow } from '../db/schema.js';\nexport type R = MentionRow;\n")).toEqual([
      expect.stringContaining('domain/ holds pure rules'),
    ]);
  });

  it('imports that point down pass', async () => {
    expect(await layerErrors('src/services/ingest.ts', "import { getMention } from '../db/mentions.js';\nimport { isOpen } from '../domain/lifecycle.js';\nexport const a = [getMention, isOpen];\n")).toEqual([]);
    expect(await layerErrors('src/domain/priority.ts', "import { isOpen } from './lifecycle.js';\nexport const a = isOpen;\n")).toEqual([]);
  });

  it('no file in src/ turns the layer rule off', async () => {
    const files = (await readdir(`${root}/src`, { recursive: true })).filter((f) => f.endsWith('.ts'));
    const disabling: string[] = [];
    for (const f of files) if (/eslint-disable[^\n]*no-restricted-imports/.test(await readFile(`${root}/src/${f}`, 'utf8'))) disabling.push(f);
    expect(disabling).toEqual([]);
  });
});
