import { randomBytes } from 'node:crypto';
import { validateView } from '../block-kit.js';
import { str } from '../http.js';
import type { FakeView, SlackStore } from '../state.js';
import { FAKE_APP_ID, FAKE_BOT_ID, FAKE_TEAM_ID } from '../state.js';
import type { Body, Handler, MethodContext } from './common.js';
import { fail, missingField } from './common.js';

/** A trigger_id lives 3 s and opens one view (platform fact). Triggers the tests invent are fresh on first use. */
export const TRIGGER_TTL_MS = 3000;

type Checked = { ok: true; view: Record<string, unknown> } | { ok: false; body: Body };

function checkView(ctx: MethodContext, expect: 'modal' | 'home' | 'any'): Checked {
  const raw = ctx.args.view;
  if (raw === undefined || raw === '') return { ok: false, body: missingField('view') };
  const errors = validateView(raw, expect);
  if (errors.length > 0) return { ok: false, body: fail('invalid_arguments', errors) };
  return { ok: true, view: raw as Record<string, unknown> };
}

function triggerProblem(store: SlackStore, trigger: string): Body | undefined {
  if (store.usedTriggers.has(trigger)) return fail('expired_trigger_id');
  const issued = store.issuedTriggers.get(trigger);
  if (issued !== undefined && Date.now() - issued > TRIGGER_TTL_MS) return fail('expired_trigger_id');
  return undefined;
}

const newHash = (): string => `${Math.floor(Date.now() / 1000)}.${randomBytes(4).toString('hex')}`;

function materialize(view: Record<string, unknown>, id: string, extra: Body = {}): FakeView {
  return {
    ...view,
    id,
    team_id: FAKE_TEAM_ID,
    type: String(view.type),
    private_metadata: view.private_metadata ?? '',
    callback_id: view.callback_id ?? '',
    external_id: view.external_id ?? '',
    state: { values: {} },
    hash: newHash(),
    clear_on_close: view.clear_on_close ?? false,
    notify_on_close: view.notify_on_close ?? false,
    close: view.close ?? null,
    submit: view.submit ?? null,
    previous_view_id: null,
    root_view_id: id,
    app_id: FAKE_APP_ID,
    app_installed_team_id: FAKE_TEAM_ID,
    bot_id: FAKE_BOT_ID,
    ...extra,
  };
}

function remember(store: SlackStore, v: FakeView): void {
  store.viewsById.set(v.id, v);
  if (typeof v.external_id === 'string' && v.external_id !== '') store.viewsByExternalId.set(v.external_id, v.id);
}

function openLike(kind: 'opened' | 'pushed'): Handler {
  return (ctx) => {
    const { store } = ctx;
    const trigger = str(ctx.args, 'trigger_id')!;
    const problem = triggerProblem(store, trigger);
    if (problem) return problem;
    const checked = checkView(ctx, 'modal');
    if (!checked.ok) return checked.body;
    const externalId = checked.view.external_id;
    if (typeof externalId === 'string' && externalId !== '' && store.viewsByExternalId.has(externalId)) return fail('duplicate_external_id');
    store.usedTriggers.add(trigger);
    const v = materialize(checked.view, store.nextId('V'), { trigger_id: trigger });
    remember(store, v);
    store[kind].push(v);
    return { ok: true, view: v };
  };
}

export const open = openLike('opened');
export const push = openLike('pushed');

export const update: Handler = (ctx) => {
  const { args, store } = ctx;
  const viewId = str(args, 'view_id');
  const externalId = str(args, 'external_id');
  if (viewId === undefined && externalId === undefined) return missingField('view_id');
  const id = viewId ?? store.viewsByExternalId.get(externalId!);
  const existing = id === undefined ? undefined : store.viewsById.get(id);
  if (!existing) return fail('not_found');
  const hash = str(args, 'hash');
  if (hash !== undefined && hash !== existing.hash) return fail('hash_conflict');
  const checked = checkView(ctx, 'any');
  if (!checked.ok) return checked.body;
  const v = materialize(checked.view, existing.id, { root_view_id: existing.root_view_id, previous_view_id: existing.previous_view_id });
  remember(store, v);
  for (const [user, published] of store.published) if (published.id === v.id) store.published.set(user, v);
  return { ok: true, view: v };
};

export const publish: Handler = (ctx) => {
  const { args, store } = ctx;
  const userId = str(args, 'user_id')!;
  const checked = checkView(ctx, 'home');
  if (!checked.ok) return checked.body;
  const previous = store.published.get(userId);
  const hash = str(args, 'hash');
  if (hash !== undefined && previous && hash !== previous.hash) return fail('hash_conflict');
  const v = materialize(checked.view, previous?.id ?? store.nextId('V'));
  remember(store, v);
  store.published.set(userId, v);
  return { ok: true, view: v };
};
