// Token counts with a real BPE tokenizer (OpenAI's o200k_base, bundled with js-tiktoken — no
// download). Used by the token-budget tests, the benchmark and the demo transcript.
import { Tiktoken } from "js-tiktoken/lite";
import o200k from "js-tiktoken/ranks/o200k_base";

const enc = new Tiktoken(o200k);

/** Tokens in a string, or in the compact JSON of any other value. */
export function countTokens(value) {
  return enc.encode(typeof value === "string" ? value : JSON.stringify(value)).length;
}
