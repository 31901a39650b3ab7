/**
 * Block Kit checks, with Slack's limits and Slack's error text: `[ERROR] <what> [json-pointer:/blocks/0/text/text]`.
 * Not a full schema: the limits a bot can trip over (lengths, counts, duplicate ids, unknown types, empty text).
 */

export const MAX_MESSAGE_BLOCKS = 50;
export const MAX_VIEW_BLOCKS = 100;

const BLOCK_TYPES = new Set([
  'actions', 'context', 'context_actions', 'divider', 'file', 'header', 'image', 'input',
  'markdown', 'rich_text', 'section', 'table', 'video',
]);

const INPUT_ELEMENTS = new Set([
  'checkboxes', 'datepicker', 'datetimepicker', 'email_text_input', 'file_input', 'multi_static_select',
  'multi_external_select', 'multi_users_select', 'multi_conversations_select', 'multi_channels_select',
  'number_input', 'plain_text_input', 'radio_buttons', 'rich_text_input', 'static_select', 'external_select',
  'users_select', 'conversations_select', 'channels_select', 'timepicker', 'url_text_input',
]);
const ELEMENT_TYPES = new Set([...INPUT_ELEMENTS, 'button', 'image', 'overflow', 'workflow_button', 'feedback_buttons', 'icon_button']);

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

class Checker {
  readonly errors: string[] = [];
  readonly blockIds = new Set<string>();

  err(pointer: string, what: string): void {
    this.errors.push(`[ERROR] ${what} [json-pointer:${pointer}]`);
  }

  maxLen(v: unknown, max: number, pointer: string): void {
    if (typeof v === 'string' && v.length > max) this.err(pointer, `must be less than ${max + 1} characters`);
  }

  /** A text object; `plain` demands plain_text. */
  text(v: unknown, pointer: string, max: number, plain = false): void {
    if (!isObj(v)) return this.err(pointer, 'must be a text object');
    if (v.type !== 'plain_text' && v.type !== 'mrkdwn') return this.err(`${pointer}/type`, 'must be a valid enum value');
    if (plain && v.type !== 'plain_text') return this.err(`${pointer}/type`, 'must be plain_text');
    if (typeof v.text !== 'string') return this.err(`${pointer}/text`, 'missing required field: text');
    if (v.text.length === 0) return this.err(`${pointer}/text`, 'must be more than 0 characters');
    this.maxLen(v.text, max, `${pointer}/text`);
  }

  optionalText(v: unknown, pointer: string, max: number, plain = false): void {
    if (v !== undefined) this.text(v, pointer, max, plain);
  }

  required(o: Obj, key: string, pointer: string): boolean {
    if (o[key] === undefined || o[key] === null) {
      this.err(pointer, `missing required field: ${key}`);
      return false;
    }
    return true;
  }

  list(o: Obj, key: string, pointer: string, min: number, max: number): unknown[] | undefined {
    const v = o[key];
    if (!Array.isArray(v)) {
      this.err(`${pointer}/${key}`, v === undefined ? `missing required field: ${key}` : 'must be an array');
      return undefined;
    }
    if (v.length < min) this.err(`${pointer}/${key}`, `must provide at least ${min} items`);
    if (v.length > max) this.err(`${pointer}/${key}`, `no more than ${max} items allowed`);
    return v;
  }

  blocks(blocks: unknown, pointer: string, max: number): void {
    if (!Array.isArray(blocks)) return this.err(pointer, 'must be an array');
    if (blocks.length > max) return this.err(pointer, `no more than ${max} items allowed`);
    blocks.forEach((b, i) => this.block(b, `${pointer}/${i}`));
  }

  block(b: unknown, p: string): void {
    if (!isObj(b)) return this.err(p, 'must be an object');
    if (typeof b.type !== 'string' || !BLOCK_TYPES.has(b.type)) return this.err(`${p}/type`, `unsupported type: ${String(b.type)}`);
    if (b.block_id !== undefined) {
      const id = String(b.block_id);
      this.maxLen(id, 255, `${p}/block_id`);
      if (this.blockIds.has(id)) this.err(`${p}/block_id`, `duplicate block_id: ${id}`);
      this.blockIds.add(id);
    }
    const actionIds = new Set<string>();
    switch (b.type) {
      case 'section':
        if (b.text === undefined && b.fields === undefined) this.err(p, 'must provide either text or fields');
        this.optionalText(b.text, `${p}/text`, 3000);
        if (b.fields !== undefined) this.list(b, 'fields', p, 1, 10)?.forEach((f, i) => this.text(f, `${p}/fields/${i}`, 2000));
        if (b.accessory !== undefined) this.element(b.accessory, `${p}/accessory`, actionIds);
        break;
      case 'header':
        if (this.required(b, 'text', p)) this.text(b.text, `${p}/text`, 150, true);
        break;
      case 'context':
        this.list(b, 'elements', p, 1, 10)?.forEach((e, i) => {
          const ep = `${p}/elements/${i}`;
          if (isObj(e) && e.type === 'image') this.image(e, ep);
          else this.text(e, ep, 3000);
        });
        break;
      case 'actions':
        this.list(b, 'elements', p, 1, 25)?.forEach((e, i) => this.element(e, `${p}/elements/${i}`, actionIds));
        break;
      case 'input':
        if (this.required(b, 'label', p)) this.text(b.label, `${p}/label`, 2000, true);
        this.optionalText(b.hint, `${p}/hint`, 2000, true);
        if (this.required(b, 'element', p)) {
          const el = b.element;
          if (isObj(el) && typeof el.type === 'string' && ELEMENT_TYPES.has(el.type) && !INPUT_ELEMENTS.has(el.type)) {
            this.err(`${p}/element/type`, `${el.type} is not allowed in an input block`);
          } else this.element(el, `${p}/element`, actionIds);
        }
        break;
      case 'image':
        this.image(b, p);
        this.optionalText(b.title, `${p}/title`, 2000, true);
        break;
      case 'rich_text':
        this.list(b, 'elements', p, 0, Infinity);
        break;
      default:
        break;
    }
  }

  image(e: Obj, p: string): void {
    if (e.image_url === undefined && e.slack_file === undefined) this.err(p, 'missing required field: image_url');
    this.maxLen(e.image_url, 3000, `${p}/image_url`);
    if (this.required(e, 'alt_text', p)) this.maxLen(e.alt_text, 2000, `${p}/alt_text`);
  }

  element(e: unknown, p: string, actionIds: Set<string>): void {
    if (!isObj(e)) return this.err(p, 'must be an object');
    if (typeof e.type !== 'string' || !ELEMENT_TYPES.has(e.type)) return this.err(`${p}/type`, `unsupported type: ${String(e.type)}`);
    if (e.action_id !== undefined) {
      const id = String(e.action_id);
      this.maxLen(id, 255, `${p}/action_id`);
      if (actionIds.has(id)) this.err(`${p}/action_id`, `duplicate action_id: ${id}`);
      actionIds.add(id);
    }
    this.optionalText(e.placeholder, `${p}/placeholder`, 150, true);
    if (e.confirm !== undefined) this.confirm(e.confirm, `${p}/confirm`);
    switch (e.type) {
      case 'button':
        if (this.required(e, 'text', p)) this.text(e.text, `${p}/text`, 75, true);
        this.maxLen(e.value, 2000, `${p}/value`);
        this.maxLen(e.url, 3000, `${p}/url`);
        if (e.style !== undefined && e.style !== 'primary' && e.style !== 'danger') this.err(`${p}/style`, 'must be a valid enum value');
        break;
      case 'overflow':
        this.list(e, 'options', p, 2, 5)?.forEach((o, i) => this.option(o, `${p}/options/${i}`));
        break;
      case 'static_select':
      case 'multi_static_select':
        if (e.option_groups !== undefined) {
          this.list(e, 'option_groups', p, 1, 100)?.forEach((g, i) => {
            const gp = `${p}/option_groups/${i}`;
            if (!isObj(g)) return this.err(gp, 'must be an object');
            if (this.required(g, 'label', gp)) this.text(g.label, `${gp}/label`, 75, true);
            this.list(g, 'options', gp, 1, 100)?.forEach((o, j) => this.option(o, `${gp}/options/${j}`));
          });
        } else this.list(e, 'options', p, 1, 100)?.forEach((o, i) => this.option(o, `${p}/options/${i}`));
        break;
      case 'checkboxes':
      case 'radio_buttons':
        this.list(e, 'options', p, 1, 10)?.forEach((o, i) => this.option(o, `${p}/options/${i}`));
        break;
      case 'image':
        this.image(e, p);
        break;
      default:
        break;
    }
  }

  option(o: unknown, p: string): void {
    if (!isObj(o)) return this.err(p, 'must be an object');
    if (this.required(o, 'text', p)) this.text(o.text, `${p}/text`, 75);
    this.optionalText(o.description, `${p}/description`, 75);
    this.maxLen(o.value, 150, `${p}/value`);
    this.maxLen(o.url, 3000, `${p}/url`);
  }

  confirm(c: unknown, p: string): void {
    if (!isObj(c)) return this.err(p, 'must be an object');
    this.optionalText(c.title, `${p}/title`, 100, true);
    this.optionalText(c.text, `${p}/text`, 300);
    this.optionalText(c.confirm, `${p}/confirm`, 30, true);
    this.optionalText(c.deny, `${p}/deny`, 30, true);
  }
}

/** Blocks of a message (chat.postMessage, chat.update, chat.postEphemeral, response_url). */
export function validateMessageBlocks(blocks: unknown, pointer = '/blocks'): string[] {
  const c = new Checker();
  c.blocks(blocks, pointer, MAX_MESSAGE_BLOCKS);
  return c.errors;
}

/** A view for views.open/push (`modal`), views.publish (`home`) or views.update (`any`). */
export function validateView(view: unknown, expect: 'modal' | 'home' | 'any', pointer = '/view'): string[] {
  const c = new Checker();
  if (!isObj(view)) {
    c.err(pointer, 'must be an object');
    return c.errors;
  }
  const type = view.type;
  if (type !== 'modal' && type !== 'home') c.err(`${pointer}/type`, 'must be a valid enum value');
  else if (expect !== 'any' && type !== expect) c.err(`${pointer}/type`, `must be ${expect}`);
  if (type === 'modal') {
    if (c.required(view, 'title', pointer)) c.text(view.title, `${pointer}/title`, 24, true);
    c.optionalText(view.submit, `${pointer}/submit`, 24, true);
    c.optionalText(view.close, `${pointer}/close`, 24, true);
    const hasInput = Array.isArray(view.blocks) && view.blocks.some((b) => isObj(b) && b.type === 'input');
    if (hasInput && view.submit === undefined) c.err(`${pointer}/submit`, 'submit is required when an input block is within the blocks array');
  }
  c.maxLen(view.private_metadata, 3000, `${pointer}/private_metadata`);
  c.maxLen(view.callback_id, 255, `${pointer}/callback_id`);
  c.maxLen(view.external_id, 255, `${pointer}/external_id`);
  if (c.required(view, 'blocks', pointer)) c.blocks(view.blocks, `${pointer}/blocks`, MAX_VIEW_BLOCKS);
  return c.errors;
}
