import { createRequire } from 'node:module';

/**
 * Tone of a short social post, scored with VADER (Hutto & Gilbert, 2014): a lexicon and rules tuned
 * for microblog text, aware of CAPS, "!!!", boosters ("so", "extremely"), negation ("not happy")
 * and "but" (what follows it weighs more).
 *
 * The scoring itself is the `vader-sentiment` package (the vaderSentiment project's JavaScript
 * port). That port predates VADER 3.3's emoji support, so emoji are translated into lexicon words
 * here first, the way VADER 3.3 replaces an emoji with its description.
 *
 * Known limits, accepted: sarcasm ("Oh great, another delay") scores as praise; only English.
 */
export type SentimentLabel = 'positive' | 'neutral' | 'negative';

export interface Sentiment {
  /** VADER compound score, -1 (most negative) .. 1 (most positive). */
  score: number;
  label: SentimentLabel;
}

/** VADER's own thresholds for the compound score. */
export const POSITIVE_AT = 0.05;
export const NEGATIVE_AT = -0.05;

interface VaderScores {
  neg: number;
  neu: number;
  pos: number;
  compound: number;
}
interface VaderModule {
  SentimentIntensityAnalyzer: { polarity_scores(text: string): VaderScores };
}

// The package is CommonJS without type declarations; createRequire keeps the typing in one place.
const vader = createRequire(import.meta.url)('vader-sentiment') as VaderModule;

/**
 * Common emoji in customer posts, as words the VADER lexicon scores. Ambiguous ones are left out
 * on purpose: 🔥 ("lit" or "on fire"), 🙏 ("thanks" or "please"), 😂 in a complaint, 🙃.
 */
const EMOJI_WORDS: Readonly<Record<string, string>> = {
  '😀': 'grinning',
  '😃': 'smiling',
  '😄': 'smiling',
  '😁': 'grinning',
  '😊': 'smiling',
  '🙂': 'smiling',
  '😍': 'love',
  '🥰': 'loving',
  '😘': 'kiss',
  '🤗': 'hugging',
  '🤣': 'laughing',
  '😎': 'awesome',
  '🤩': 'awesome',
  '👍': 'good',
  '👌': 'good',
  '👏': 'applause',
  '🙌': 'celebrate',
  '🎉': 'celebrate',
  '🥳': 'party',
  '❤': 'love',
  '♥': 'love',
  '💕': 'love',
  '💖': 'love',
  '💗': 'love',
  '💙': 'love',
  '💚': 'love',
  '💜': 'love',
  '🧡': 'love',
  '💛': 'love',
  '💯': 'perfect',
  '✨': 'sparkles',
  '⭐': 'excellent',
  '🌟': 'excellent',
  '😡': 'furious',
  '🤬': 'furious',
  '😠': 'angry',
  '😤': 'frustrated',
  '😞': 'disappointed',
  '😔': 'sad',
  '😢': 'crying',
  '😭': 'sobbing',
  '😩': 'weary',
  '😫': 'tired',
  '😒': 'annoyed',
  '🙄': 'annoyed',
  '🤦': 'frustrated',
  '👎': 'bad',
  '💔': 'heartbroken',
  '🤮': 'disgusting',
  '🤢': 'disgusting',
  '😖': 'upset',
  '😣': 'upset',
  '☹': 'frowning',
  '🙁': 'frowning',
  '😟': 'worried',
  '😱': 'scared',
  '💩': 'crap',
};

// Trailing punctuation belongs to the sentence ("see https://x.co/a!!!"), not to the link.
const URL = /\b(?:https?:\/\/|www\.)\S*[^\s.,;:!?)"'\]]/gi;
// A handle is @ plus word characters, not preceded by a word character (so e-mail addresses stay).
const HANDLE = /(?<![\w@])@\w+/g;
// Variation selectors, zero-width joiners and skin tones do not change an emoji's tone.
const EMOJI_MODIFIERS = /[\uFE0E\uFE0F\u200D]|\p{Emoji_Modifier}/gu;
const EMOJI = /\p{Extended_Pictographic}/gu;
const HASHTAG = /#(\w+)/g;

/** The text VADER sees: no URLs or @handles (they are not tone), emoji as words, "#fail" as "fail". */
export function textForScoring(text: string): string {
  return (
    text
      .replace(URL, ' ')
      .replace(HANDLE, ' ')
      .replace(EMOJI_MODIFIERS, '')
      .replace(EMOJI, (emoji) => {
        const word = EMOJI_WORDS[emoji];
        return word === undefined ? ' ' : ` ${word} `;
      })
      .replace(HASHTAG, '$1')
      // The port only recognises "but" and "BUT"; a sentence-initial "But" contrasts just the same.
      .replace(/\bBut\b/g, 'but')
      .replace(/\s+/g, ' ')
      .trim()
  );
}

export function sentimentLabel(score: number): SentimentLabel {
  if (score >= POSITIVE_AT) return 'positive';
  if (score <= NEGATIVE_AT) return 'negative';
  return 'neutral';
}

export function analyzeSentiment(text: string): Sentiment {
  const cleaned = textForScoring(text);
  const score = cleaned === '' ? 0 : vader.SentimentIntensityAnalyzer.polarity_scores(cleaned).compound;
  // The port can return -0; a neutral score should print as 0.
  const compound = score === 0 ? 0 : score;
  return { score: compound, label: sentimentLabel(compound) };
}
