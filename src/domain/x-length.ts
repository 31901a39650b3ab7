import twitter from 'twitter-text';

/** The most a public post on X may weigh. */
export const X_POST_LIMIT = 280;

export interface XLength {
  /** The length as X counts it: a link is 23 whatever its length; CJK characters and emoji are 2. */
  weighted: number;
  /** How far past X_POST_LIMIT (0 when it fits). */
  over: number;
  /** X charges a post with a link more than a plain one on its pay-per-use price list. */
  hasLink: boolean;
}

/** Measures a post the way X does (twitter-text is X's own library for it). */
export function xLength(text: string): XLength {
  const weighted = twitter.parseTweet(text).weightedLength;
  return { weighted, over: Math.max(0, weighted - X_POST_LIMIT), hasLink: twitter.extractUrls(text).length > 0 };
}
